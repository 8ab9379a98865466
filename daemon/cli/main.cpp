// cityedge: the technician's command line for a running cityedged. Talks to
// the daemon over its control socket; every subcommand prints a readable
// table, or JSON with --json.
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "daemon/cli/client.hpp"
#include "daemon/cli/completion.hpp"
#include "daemon/cli/format.hpp"
#include "daemon/cli/instances.hpp"
#include "daemon/cli/man_page.hpp"
#include "daemon/core/event_sink.hpp"

namespace cityedge::cli {
namespace {

// Exit codes (sysexits.h), listed in --help.
constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 64;
constexpr int kInvalid = 65;
constexpr int kUnavailable = 69;
constexpr int kTimeout = 75;
constexpr int kNoPermission = 77;

constexpr const char* kDefaultSocket = "/run/cityedge/control.sock";

struct Options {
  std::string socket = kDefaultSocket;
  bool json = false;
  int timeout_s = 30;
};

int ExitCodeOf(Code code) {
  switch (code) {
    case Code::kPermissionDenied:
      return kNoPermission;
    case Code::kDeadlineExceeded:
      return kTimeout;
    case Code::kInvalidArgument:
      return kUsage;
    default:
      return kUnavailable;
  }
}

int ExitCodeOf(v1::ReplyCode code) {
  switch (code) {
    case v1::REPLY_CODE_OK:
      return kOk;
    case v1::REPLY_CODE_INVALID:
    case v1::REPLY_CODE_TOO_LARGE:
      return kInvalid;
    case v1::REPLY_CODE_PERMISSION_DENIED:
    case v1::REPLY_CODE_UNAUTHENTICATED:
      return kNoPermission;
    default:
      return kFailed;
  }
}

std::string NewId() {
  std::random_device rd;
  return fmt::format("cli-{}-{:08x}", ::getpid(), rd());
}

int Fail(const Error& error) {
  std::cerr << "cityedge: " << error.message() << "\n";
  return ExitCodeOf(error.code());
}

// Prints a refusal or failure; true when the reply is OK.
bool Check(const v1::CommandReply& reply, const Options& options) {
  if (reply.code() == v1::REPLY_CODE_OK) return true;
  if (options.json) {
    std::cout << Json(reply) << "\n";
  } else {
    std::cerr << "cityedge: " << reply.message() << " ("
              << v1::ReplyCode_Name(reply.code()).substr(sizeof("REPLY_CODE_") - 1) << ")\n";
  }
  return false;
}

using Show = std::function<void(const v1::CommandReply&)>;

// Sends one command, prints its reply with `show` (or JSON).
int RunOnce(const Options& options, v1::Command command, const Show& show) {
  command.set_id(NewId());
  auto client = Client::Connect(options.socket, options.timeout_s);
  if (!client) return Fail(client.error());
  if (auto s = client->Send(command); !s) return Fail(s.error());
  auto reply = client->Receive();
  if (!reply) return Fail(reply.error());
  if (!Check(*reply, options)) return ExitCodeOf(reply->code());
  if (options.json) {
    std::cout << Json(*reply) << "\n";
  } else {
    show(*reply);
  }
  return kOk;
}

int RunTail(const Options& options, v1::Command command) {
  command.set_id(NewId());
  auto client = Client::Connect(options.socket, 0);
  if (!client) return Fail(client.error());
  if (auto s = client->Send(command); !s) return Fail(s.error());
  while (true) {
    auto reply = client->Receive();
    if (!reply) return Fail(reply.error());
    if (!Check(*reply, options)) return ExitCodeOf(reply->code());
    if (!options.json && reply->events_size() == 0 && !reply->message().empty()) {
      std::cerr << reply->message() << " (Ctrl-C to stop)\n";
    }
    for (const auto& e : reply->events()) {
      std::cout << (options.json ? Json(e) : EventLine(e)) << "\n";
    }
    std::cout.flush();
    if (!reply->more()) return kOk;
  }
}

Result<std::string> ReadInput(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(Code::kInvalidArgument, "cannot read {}", path);
  text << in.rdbuf();
  return text.str();
}

Result<std::pair<std::uint64_t, std::uint64_t>> ParseSeqRange(const std::string& text) {
  const auto dots = text.find("..");
  try {
    std::size_t used = 0;
    if (dots == std::string::npos) {
      const auto one = std::stoull(text, &used);
      if (used == text.size()) return std::pair{one, one};
    } else {
      const auto a = std::stoull(text.substr(0, dots), &used);
      std::size_t used_b = 0;
      const auto b = std::stoull(text.substr(dots + 2), &used_b);
      if (used == dots && used_b == text.size() - dots - 2) return std::pair{a, b};
    }
  } catch (const std::exception&) {
  }
  return MakeError(Code::kInvalidArgument, "--seq wants FIRST..LAST (e.g. 1200..1300), got \"{}\"",
                   text);
}

// UTC ISO 8601 with optional fractional seconds (up to nanoseconds) and an
// optional "Z": 2026-11-28T14:00:00, 2026-11-28T14:00:00.250Z.
Result<std::int64_t> ParseTime(const std::string& text) {
  auto bad = [&] {
    return MakeError(Code::kInvalidArgument,
                     "time \"{}\" is not UTC ISO 8601 like 2026-11-28T14:00:00 or "
                     "2026-11-28T14:00:00.250Z",
                     text);
  };
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return bad();
  std::string rest;
  std::getline(in, rest);
  std::int64_t fraction_ns = 0;
  std::size_t at = 0;
  if (at < rest.size() && rest[at] == '.') {
    std::int64_t scale = 100'000'000;
    for (++at; at < rest.size() && std::isdigit(static_cast<unsigned char>(rest[at])); ++at) {
      if (scale == 0) return bad();  // finer than a nanosecond
      fraction_ns += (rest[at] - '0') * scale;
      scale /= 10;
    }
    if (scale == 100'000'000) return bad();  // a dot without digits
  }
  if (at < rest.size() && rest[at] == 'Z') ++at;
  if (at != rest.size()) return bad();
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000 + fraction_ns;
}

void PrintFields(const v1::CommandReply& reply) { std::cout << FieldsTable(reply); }

}  // namespace

int Main(int argc, char** argv) {
  Options options;
  CLI::App app{"cityedge: inspect and operate the CityEdge gateway daemon on this box"};
  app.footer(
      "Read-only commands need group cityedge; config apply, replay, rebirth and\n"
      "restart-driver need root or group cityedge-admin.\n"
      "Exit codes: 0 ok, 1 the daemon could not do it, 64 usage, 65 invalid input,\n"
      "69 daemon not running, 75 no answer in time, 77 permission denied.");
  app.require_subcommand(1);
  app.add_option("--socket", options.socket, "Control socket of cityedged")->capture_default_str();
  app.add_flag("--json", options.json, "Print JSON (one object per line) instead of tables");
  app.add_option("--timeout", options.timeout_s, "Seconds to wait for an answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));

  v1::Command command;
  std::function<int()> run;
  auto simple = [&](const char* name, const char* help, auto set, Show show) {
    app.add_subcommand(name, help)->callback([&, set, show] {
      set(&command);
      run = [&, show] { return RunOnce(options, command, show); };
    });
  };
  simple(
      "status", "Gateway, uplink, journal and clock at a glance",
      [](v1::Command* c) { c->mutable_status(); }, PrintFields);
  simple(
      "drivers", "Driver instances with state, restarts and counters",
      [](v1::Command* c) { c->mutable_drivers(); },
      [](const v1::CommandReply& r) {
        std::cout << RowsTable(
            r, {"type", "state", "restarts", "readings", "frames", "rejected", "reason"});
      });
  simple(
      "pipelines", "Pipeline instances with their input counters",
      [](v1::Command* c) { c->mutable_pipelines(); },
      [](const v1::CommandReply& r) {
        std::cout << RowsTable(r, {"type", "samples", "frames", "frames_dropped"});
      });
  simple(
      "backlog", "Events waiting in the journal, per class; evictions",
      [](v1::Command* c) { c->mutable_backlog(); }, PrintFields);
  simple(
      "metrics", "Prometheus text metrics, as GET /metrics serves them",
      [](v1::Command* c) { c->mutable_metrics(); },
      [](const v1::CommandReply& r) { std::cout << r.text(); });
  simple(
      "rebirth", "Publish the birth message again", [](v1::Command* c) { c->mutable_rebirth(); },
      [](const v1::CommandReply& r) { std::cout << r.message() << "\n"; });

  std::vector<std::string> sources, classes;
  auto* tail = app.add_subcommand("tail", "Follow events as they are journaled (Ctrl-C stops)");
  tail->add_option("-s,--source", sources, "Only this driver instance (and pipelines fed by it)");
  tail->add_option("-c,--class", classes, "Only this class")
      ->check(CLI::IsMember({"alarm", "detection", "health", "gap", "telemetry"}));
  tail->callback([&] {
    auto* t = command.mutable_tail();
    for (const auto& s : sources) t->add_sources(s);
    for (const auto& c : classes) {
      v1::PriorityClass p = v1::PRIORITY_CLASS_UNSPECIFIED;
      for (int i = v1::PRIORITY_CLASS_TELEMETRY; i <= v1::PRIORITY_CLASS_ALARM; ++i) {
        if (c == PriorityTopicClass(static_cast<v1::PriorityClass>(i))) {
          p = static_cast<v1::PriorityClass>(i);
        }
      }
      t->add_classes(p);
    }
    run = [&] { return RunTail(options, command); };
  });

  std::string instance;
  auto* read = app.add_subcommand("read", "Take one reading from a driver now (calibration)");
  read->add_option("instance", instance, "Driver instance id")->required();
  read->footer(
      "Polling drivers (modbus, iio) poll at once, a pms5003 answers with its next frame, a "
      "replay driver repeats its latest values. The reply holds what the instance emits within "
      "3 s. Cameras give frames, not readings: use `cityedge snapshot`.");
  read->callback([&] {
    command.mutable_read()->set_instance(instance);
    run = [&] {
      return RunOnce(options, command, [](const v1::CommandReply& r) {
        for (const auto& e : r.events()) std::cout << EventLine(e) << "\n";
      });
    };
  });

  std::string output = "snapshot.jpg";
  std::uint32_t max_width = 0;
  auto* snapshot = app.add_subcommand("snapshot", "Save a privacy-pixelated JPEG from a camera");
  snapshot->add_option("instance", instance, "Camera instance id")->required();
  snapshot->add_option("-o,--output", output, "File to write")->capture_default_str();
  snapshot->add_option("--max-width", max_width, "Scale down to this width (0: as captured)");
  snapshot->callback([&] {
    command.mutable_snapshot()->set_instance(instance);
    command.mutable_snapshot()->set_max_width(max_width);
    run = [&] {
      return RunOnce(options, command, [&](const v1::CommandReply& r) {
        std::ofstream(output, std::ios::binary) << r.jpeg();
        std::cout << fmt::format("{} ({} bytes)\n", output, r.jpeg().size());
      });
    };
  });

  auto* config = app.add_subcommand("config", "Check, show or apply the daemon's configuration");
  config->require_subcommand(1);
  std::string file, expect_hash;
  auto* check = config->add_subcommand("check", "Validate a config file against this daemon");
  check->add_option("file", file, "YAML file, or - for stdin")->required();
  auto* show = config->add_subcommand("show", "Print the running config and its hash");
  auto* apply = config->add_subcommand(
      "apply", "Validate, store and run a config; rolled back if it fails to start");
  apply->add_option("file", file, "YAML file, or - for stdin")->required();
  apply->add_option("--expect-hash", expect_hash,
                    "Refuse unless the running config has this hash (from config show)");
  auto read_file = [&](auto setter) {
    run = [&, setter] {
      auto text = ReadInput(file);
      if (!text) return Fail(text.error());
      setter(*text);
      return RunOnce(options, command, [](const v1::CommandReply& r) {
        std::cout << r.message() << "\n" << FieldsTable(r);
      });
    };
  };
  check->callback([&] {
    read_file([&](const std::string& yaml) { command.mutable_config_check()->set_yaml(yaml); });
  });
  apply->callback([&] {
    read_file([&](const std::string& yaml) {
      command.mutable_config_apply()->set_yaml(yaml);
      command.mutable_config_apply()->set_expected_current_hash(expect_hash);
    });
  });
  show->callback([&] {
    command.mutable_config_show();
    run = [&] {
      return RunOnce(options, command, [](const v1::CommandReply& r) {
        std::cout << "# config_hash: " << (r.fields_size() > 0 ? r.fields(0).value() : "") << "\n"
                  << r.yaml();
      });
    };
  });

  std::string seq_range, from, to;
  std::uint32_t rate = 0;
  auto* replay = app.add_subcommand(
      "replay", "Send journaled events to the platform again, flagged historical");
  auto* seq_opt = replay->add_option("--seq", seq_range, "Seq range FIRST..LAST");
  auto* from_opt = replay->add_option(
      "--from", from, "Capture time from, inclusive (UTC, 2026-11-28T14:00:00[.250][Z])");
  replay->add_option("--to", to, "Capture time to, inclusive (UTC; default: no end)")
      ->needs(from_opt);
  from_opt->excludes(seq_opt);
  replay->add_option("--rate", rate, "Events per second (default 500)");
  replay->callback([&] {
    run = [&]() -> int {
      auto* r = command.mutable_replay();
      if (!seq_range.empty()) {
        auto range = ParseSeqRange(seq_range);
        if (!range) return Fail(range.error());
        r->set_first_seq(range->first);
        r->set_last_seq(range->second);
      } else if (!from.empty()) {
        auto a = ParseTime(from);
        auto b = ParseTime(to.empty() ? "2100-01-01T00:00:00" : to);
        if (!a) return Fail(a.error());
        if (!b) return Fail(b.error());
        r->set_from_unix_ns(*a);
        r->set_to_unix_ns(*b);
      } else {
        return Fail(Error(Code::kInvalidArgument, "replay needs --seq or --from"));
      }
      r->set_rate_per_s(rate);
      return RunOnce(options, command, [](const v1::CommandReply& reply) {
        std::cout << reply.message() << "\n" << FieldsTable(reply);
      });
    };
  });

  auto* restart = app.add_subcommand("restart-driver", "Restart one driver instance");
  restart->add_option("instance", instance, "Driver instance id")->required();
  restart->callback([&] {
    command.mutable_restart_driver()->set_instance(instance);
    run = [&] {
      return RunOnce(options, command,
                     [](const v1::CommandReply& r) { std::cout << r.message() << "\n"; });
    };
  });

  // Hidden: the man page and shell completion, from the definitions above.
  if (PrintManPageIfAsked(app, argc, argv,
                          {"cityedge", 1, "cityedge " CITYEDGE_VERSION, {"cityedged(8)"}})) {
    return kOk;
  }
  const auto instances = [](const std::map<std::string, std::string>& given) {
    return DriverInstances(given.contains("socket") ? given.at("socket") : kDefaultSocket, 1);
  };
  if (PrintCompletionIfAsked(app, argc, argv, instances)) return kOk;

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  }
  return run ? run() : kUsage;
}

}  // namespace cityedge::cli

int main(int argc, char** argv) { return cityedge::cli::Main(argc, argv); }
