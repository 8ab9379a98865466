// SPDX-License-Identifier: Apache-2.0
// cityedge: the technician's command line for a running cityedged. Talks to
// the daemon over its control socket; every subcommand prints a readable
// table, or JSON with --json.
#include <grp.h>
#include <langinfo.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <expected>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "daemon/cli/client.hpp"
#include "daemon/cli/completion.hpp"
#include "daemon/cli/doctor.hpp"
#include "daemon/cli/format.hpp"
#include "daemon/cli/instances.hpp"
#include "daemon/cli/man_page.hpp"
#include "daemon/cli/snapshot.hpp"
#include "daemon/cli/top.hpp"
#ifdef CITYEDGE_CLI_HAS_CURSES
#include "daemon/cli/screen.hpp"
#endif
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
bool CheckReply(const v1::CommandReply& reply, const Options& options) {
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
  if (!CheckReply(*reply, options)) return ExitCodeOf(reply->code());
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
    if (!CheckReply(*reply, options)) return ExitCodeOf(reply->code());
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

std::string Field(const v1::CommandReply& reply, const std::string& key) {
  for (const auto& kv : reply.fields()) {
    if (kv.key() == key) return kv.value();
  }
  return "";
}

double NumberField(const v1::CommandReply& reply, const std::string& key) {
  return std::strtod(Field(reply, key).c_str(), nullptr);
}

bool Unicode() {
  std::setlocale(LC_CTYPE, "");
  return std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Progress goes to stderr, redrawn in place on a terminal and as whole lines
// otherwise, so stdout keeps only the result.
void ShowProgress(const std::string& line, bool final) {
  static const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (tty) {
    std::cerr << "\r\033[K" << line << (final ? "\n" : "") << std::flush;
  } else if (!line.empty()) {
    std::cerr << line << "\n";
  }
}

struct TopOptions {
  double interval_s = 1;
  int iterations = 0;
  bool plain = false;
};

int RunTop(const Options& options, const TopOptions& top) {
  if (options.json) {
    std::cerr << "cityedge: top is for people; scripts read `status`, `backlog`, `drivers` and "
                 "`metrics` with --json\n";
    return kUsage;
  }
  TopView view;
  bool reached = false;
  const auto interval = std::chrono::milliseconds(static_cast<int>(top.interval_s * 1000));
  auto update = [&](TopView& v) {
    // A daemon that hangs must not keep q from working for long.
    auto snapshot = TakeSnapshot(options.socket, std::min(options.timeout_s, 5), true);
    reached = snapshot.has_value();
    if (snapshot) {
      v.Add(std::move(*snapshot));
    } else {
      v.SetError(snapshot.error().message());
    }
  };
  const char* no_color = std::getenv("NO_COLOR");
  const bool color = no_color == nullptr || no_color[0] == '\0';
#ifdef CITYEDGE_CLI_HAS_CURSES
  if (!top.plain && top.iterations == 0 && ::isatty(STDOUT_FILENO) == 1) {
    return RunScreen(view, update, interval, color) == 0 ? kOk : kFailed;
  }
#endif
  (void)color;
  // Plain text: one screenful a refresh, for logs, pipes and dumb terminals.
  const char* columns = std::getenv("COLUMNS");
  const int width = columns != nullptr && std::atoi(columns) >= 40 ? std::atoi(columns) : 80;
  const bool unicode = Unicode();
  for (int i = 0; top.iterations == 0 || i < top.iterations; ++i) {
    if (i > 0) std::this_thread::sleep_for(interval);
    update(view);
    std::cout << PlainText(view.Render({width, 10'000, unicode})) << "\n" << std::flush;
  }
  return reached ? kOk : kUnavailable;
}

SocketFacts StatSocket(const std::string& path) {
  SocketFacts facts;
  facts.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    facts.stat_error = std::strerror(errno);
    return facts;
  }
  facts.is_socket = S_ISSOCK(st.st_mode);
  facts.mode = st.st_mode & 07777;
  const passwd* owner = ::getpwuid(st.st_uid);
  const group* grp = ::getgrgid(st.st_gid);
  facts.owner = owner != nullptr ? owner->pw_name : std::to_string(st.st_uid);
  facts.group = grp != nullptr ? grp->gr_name : std::to_string(st.st_gid);
  return facts;
}

ConfigFacts CompareConfig(const Options& options, const std::string& path) {
  ConfigFacts facts;
  facts.path = path;
  v1::Command show;
  show.set_id(NewId());
  show.mutable_config_show();
  if (auto reply = Ask(options.socket, options.timeout_s, show)) {
    facts.running_hash = Field(*reply, "config_hash");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    facts.read_error = std::strerror(errno);
    return facts;
  }
  std::ostringstream text;
  text << in.rdbuf();
  v1::Command check;
  check.set_id(NewId());
  check.mutable_config_check()->set_yaml(text.str());
  auto reply = Ask(options.socket, options.timeout_s, check);
  if (!reply) {
    facts.read_error = "the daemon did not check it: " + reply.error().message();
  } else if (reply->code() != v1::REPLY_CODE_OK) {
    facts.check_error = reply->message();
  } else {
    facts.file_hash = Field(*reply, "config_hash");
  }
  return facts;
}

int RunDoctor(const Options& options, const std::string& config_path, double sample_s) {
  DoctorFacts facts;
  facts.socket = StatSocket(options.socket);
  auto first = TakeSnapshot(options.socket, options.timeout_s, false);
  if (!first) {
    facts.daemon_error = first.error().message();
  } else {
    facts.first = std::move(*first);
    // Rates (journal headroom) need two looks a little apart.
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(sample_s * 1000)));
    if (auto second = TakeSnapshot(options.socket, options.timeout_s, false)) {
      facts.second = std::move(*second);
    }
    facts.config = CompareConfig(options, config_path);
  }
  const std::vector<Check> checks = Diagnose(facts);
  std::cout << (options.json ? DoctorJson(checks) + "\n" : DoctorText(checks));
  return NeedsPerson(checks) ? kFailed : kOk;
}

// The backlog's "oldest_queued" field ("-", "12 s", "5 min", "1.5 h") in seconds.
double AgeSeconds(const std::string& text) {
  const double value = std::strtod(text.c_str(), nullptr);
  if (text.ends_with(" min")) return value * 60;
  if (text.ends_with(" h")) return value * 3600;
  return value;
}

// One look at the backlog for the progress displays: its fields, or the exit
// code to leave with once the failure is printed.
std::expected<v1::CommandReply, int> AskBacklog(const Options& options) {
  v1::Command command;
  command.set_id(NewId());
  command.mutable_backlog();
  auto reply = Ask(options.socket, options.timeout_s, command);
  if (!reply) return std::unexpected(Fail(reply.error()));
  if (!CheckReply(*reply, options)) return std::unexpected(ExitCodeOf(reply->code()));
  return std::move(*reply);
}

// Follows the backlog until only live traffic is left (or Ctrl-C): rows,
// drain rate, ETA.
int WatchBacklog(const Options& options, double interval_s) {
  const bool unicode = Unicode();
  const auto start = std::chrono::steady_clock::now();
  double peak = 0, last_rows = -1, rate = 0;
  auto last_at = start;
  while (true) {
    auto reply = AskBacklog(options);
    if (!reply) return reply.error();
    const double rows = NumberField(*reply, "queued_rows");
    const auto now = std::chrono::steady_clock::now();
    peak = std::max(peak, rows);
    if (last_rows >= 0) {
      const double dt = std::chrono::duration<double>(now - last_at).count();
      if (dt > 0) rate = 0.5 * rate + 0.5 * (last_rows - rows) / dt;
    }
    last_rows = rows;
    last_at = now;
    if (options.json) {
      std::cout << Json(*reply) << "\n" << std::flush;
    } else {
      std::string eta = rate > 0.05 ? "ETA " + Duration(rows / rate) : "ETA -";
      if (rate < -0.05) eta = fmt::format("growing {:.0f} ev/s", -rate);
      ShowProgress(fmt::format("backlog {:>8.0f} rows  {} {:3.0f}%  {:.0f} ev/s  {}", rows,
                               Bar(peak > 0 ? 1 - rows / peak : 1, 24, unicode),
                               peak > 0 ? 100 * (1 - rows / peak) : 100, std::max(rate, 0.0), eta),
                   false);
    }
    // Rows a few seconds old are live traffic on its way, not backlog.
    if (rows == 0 || AgeSeconds(Field(*reply, "oldest_queued")) < 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(interval_s * 1000)));
  }
  if (!options.json) {
    ShowProgress("", true);
    std::cout << fmt::format("backlog drained: {:.0f} events sent in {}; events go out live\n",
                             peak, Duration(SecondsSince(start)));
  }
  return kOk;
}

// After the daemon accepted a replay: follows it to the end, then sums up.
int FollowReplay(const Options& options, const v1::CommandReply& accepted) {
  const bool unicode = Unicode();
  const auto start = std::chrono::steady_clock::now();
  const double total = NumberField(accepted, "events");
  std::cout << accepted.message() << "\n" << std::flush;
  double sent = 0;
  while (true) {
    auto reply = AskBacklog(options);
    if (!reply) return reply.error();
    sent = NumberField(*reply, "replay_sent");
    const double elapsed = SecondsSince(start);
    const double rate = elapsed > 0 ? sent / elapsed : 0;
    ShowProgress(
        fmt::format("replay  {} {:>6.0f} of {:.0f}  {:.0f} ev/s  {}",
                    Bar(total > 0 ? sent / total : 1, 24, unicode), sent, total, rate,
                    rate > 0 && sent < total ? "ETA " + Duration((total - sent) / rate) : ""),
        false);
    if (Field(*reply, "replay_running") != "yes") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ShowProgress("", true);
  std::cout << fmt::format(
      "replayed {:.0f} of {:.0f} event(s), seq {}..{}, flagged historical, in {}; {} seq(s) of "
      "the range no longer held\n",
      sent, total, Field(accepted, "first_seq"), Field(accepted, "last_seq"),
      Duration(SecondsSince(start)), Field(accepted, "missing"));
  return sent >= total ? kOk : kFailed;
}

// Checks, applies and sums up a config, saying each step as it goes.
int ApplyConfigWithProgress(const Options& options, v1::Command command) {
  const auto start = std::chrono::steady_clock::now();
  v1::Command show;
  show.set_id(NewId());
  show.mutable_config_show();
  std::string before;
  if (auto reply = Ask(options.socket, options.timeout_s, show)) {
    before = Field(*reply, "config_hash");
  }
  ShowProgress(
      fmt::format("[1/3] checking the config ({} bytes)", command.config_apply().yaml().size()),
      false);
  v1::Command check;
  check.set_id(NewId());
  check.mutable_config_check()->set_yaml(command.config_apply().yaml());
  auto checked = Ask(options.socket, options.timeout_s, check);
  if (!checked) return Fail(checked.error());
  if (!CheckReply(*checked, options)) return ExitCodeOf(checked->code());
  ShowProgress("[2/3] applying: stopping drivers and pipelines, starting the new ones", false);
  command.set_id(NewId());
  auto applied = Ask(options.socket, options.timeout_s, command);
  if (!applied) return Fail(applied.error());
  ShowProgress("", true);
  if (!CheckReply(*applied, options)) return ExitCodeOf(applied->code());
  ShowProgress("[3/3] waiting for the drivers to come online", false);
  // Drivers start asynchronously; give them a few seconds before summing up.
  std::vector<Row> drivers;
  for (int i = 0; i < 20; ++i) {
    v1::Command list;
    list.set_id(NewId());
    list.mutable_drivers();
    auto reply = Ask(options.socket, options.timeout_s, list);
    if (!reply) break;
    drivers = ParseRows(*reply);
    const bool settled = std::none_of(drivers.begin(), drivers.end(), [](const Row& r) {
      return r.Cell("state") == "COMPONENT_STATE_STARTING";
    });
    if (settled) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ShowProgress("", true);
  const auto online = std::count_if(drivers.begin(), drivers.end(), [](const Row& r) {
    return r.Cell("state") == "COMPONENT_STATE_ONLINE";
  });
  const std::string after = Field(*applied, "config_hash");
  std::cout << fmt::format("config {} running (was {}), applied in {}; drivers {} of {} online\n",
                           after.substr(0, 12), before.empty() ? "?" : before.substr(0, 12),
                           Duration(SecondsSince(start)), online, drivers.size());
  for (const Row& r : drivers) {
    if (r.Cell("state") != "COMPONENT_STATE_ONLINE") {
      std::cout << fmt::format("  {} {}: {}\n", r.id, r.Cell("state").substr(16), r.Cell("reason"));
    }
  }
  return kOk;
}

}  // namespace

int Main(int argc, char** argv) {
  Options options;
  CLI::App app{"cityedge: inspect and operate the CityEdge gateway daemon on this box"};
  app.footer(
      "Read-only commands need group cityedge; config apply, replay, rebirth and\n"
      "restart-driver need root or group cityedge-admin.\n"
      "Exit codes: 0 ok, 1 the daemon could not do it, 64 usage, 65 invalid input,\n"
      "69 daemon not running, 75 no answer in time, 77 permission denied.\n"
      "doctor: 0 nothing needs a person, 1 something does.");
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
  bool watch = false;
  double watch_interval_s = 1;
  auto* backlog =
      app.add_subcommand("backlog", "Events waiting in the journal, per class; evictions");
  backlog->add_flag("-w,--watch", watch,
                    "Follow the drain until the backlog is empty: rows, rate, ETA (Ctrl-C stops)");
  backlog->add_option("--interval", watch_interval_s, "Seconds between looks with --watch")
      ->capture_default_str()
      ->check(CLI::Range(0.2, 60.0));
  backlog->callback([&] {
    command.mutable_backlog();
    run = [&] {
      return watch ? WatchBacklog(options, watch_interval_s)
                   : RunOnce(options, command, PrintFields);
    };
  });

  TopOptions top_options;
  auto* top = app.add_subcommand(
      "top", "Live full-screen view: uplink, journal drain, clock, every driver and pipeline");
  top->add_option("--interval", top_options.interval_s, "Seconds between refreshes")
      ->capture_default_str()
      ->check(CLI::Range(0.2, 60.0));
  top->add_option("-n,--iterations", top_options.iterations,
                  "Print this many refreshes as plain text and exit (0: until q or Ctrl-C)")
      ->check(CLI::NonNegativeNumber);
  top->add_flag("--plain", top_options.plain,
                "Plain text even on a terminal (it is plain when stdout is not one)");
  top->footer(
      "Each line per driver shows its state, readings per second and a sparkline of the last "
      "minute of values per channel; pipelines show their input rate. q or Ctrl-C quits. "
      "Colours follow NO_COLOR (https://no-color.org).");
  top->callback([&] { run = [&] { return RunTop(options, top_options); }; });

  std::string doctor_config = "/etc/cityedge/cityedged.yaml";
  double doctor_sample_s = 2;
  auto* doctor = app.add_subcommand(
      "doctor", "Check the box as a field engineer would; each finding with its next step");
  doctor->add_option("--config", doctor_config, "Config file to compare with the running one")
      ->capture_default_str();
  doctor
      ->add_option("--sample", doctor_sample_s,
                   "Seconds between the two looks that measure the event rate")
      ->capture_default_str()
      ->check(CLI::Range(0.2, 60.0));
  doctor->footer(
      "Checks: the daemon answers; the config file is valid and is what runs; the uplink is "
      "connected, or why not (DNS, refused, TLS certificate expired / not yet valid / unknown "
      "CA, credentials, ACL refusals with their reason codes); the clock is synchronised and not "
      "below its floor (the last known good time); disk free and journal headroom in hours at "
      "the current rate, down to journal.min_free_disk; backlog age; each driver online, or its "
      "last reason and what to check; "
      "the vision workers alive; the control socket's permissions.\n"
      "Exit status: 0 nothing needs a person, 1 something does (a FAIL line).");
  doctor->callback(
      [&] { run = [&] { return RunDoctor(options, doctor_config, doctor_sample_s); }; });
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
    run = [&] {
      auto text = ReadInput(file);
      if (!text) return Fail(text.error());
      command.mutable_config_apply()->set_yaml(*text);
      command.mutable_config_apply()->set_expected_current_hash(expect_hash);
      if (options.json) {
        return RunOnce(options, command, [](const v1::CommandReply&) {});
      }
      return ApplyConfigWithProgress(options, command);
    };
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
  bool no_wait = false;
  replay->add_flag("--no-wait", no_wait,
                   "Return once the daemon accepted the replay instead of following it");
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
      if (options.json || no_wait) {
        return RunOnce(options, command, [](const v1::CommandReply& reply) {
          std::cout << reply.message() << "\n" << FieldsTable(reply);
        });
      }
      command.set_id(NewId());
      auto accepted = Ask(options.socket, options.timeout_s, command);
      if (!accepted) return Fail(accepted.error());
      if (!CheckReply(*accepted, options)) return ExitCodeOf(accepted->code());
      return FollowReplay(options, *accepted);
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
