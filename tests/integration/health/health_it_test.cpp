// SPDX-License-Identifier: Apache-2.0
// Health end to end: the real cityedged with metrics on a loopback port, a
// replay driver feeding a threshold pipeline, a real mosquitto and the
// platform subscriber. Scrapes GET /metrics over a plain socket, asks the
// same through `cityedge metrics`, and follows the periodic health event to
// the platform. A second daemon, started at 1970 by libfaketime below its
// persisted clock floor, must keep publishing.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/platform.hpp"
#include "tests/integration/support/tls_certs.hpp"
#include "tests/support/process.hpp"

namespace cityedge::testing {
namespace {

using e2e::DumpReader;
using e2e::Gateway;
using namespace std::chrono_literals;

constexpr const char* kGateway = "gw-health";

std::string Config(const std::string& dir, const std::string& broker, int metrics_port) {
  return fmt::format(
      R"(gateway: {{id: {gw}}}
journal: {{path: journal.db}}
uplink:
  brokers: ["{broker}"]
  first_connect_delay_max: 0s
  backoff_max: 1s
control:
  socket_path: {dir}/control.sock
health:
  interval: 1s
  metrics_listen: "{metrics}"
drivers:
  - id: t1
    type: replay
    settings: {{path: {dir}/t.csv, rate: 10, loop: true}}
pipelines:
  - id: warm
    type: threshold
    inputs: [t1/temp]
    settings: {{high: 1000, stale_after: 5m}}
)",
      fmt::arg("gw", kGateway), fmt::arg("broker", broker), fmt::arg("dir", dir),
      fmt::arg("metrics",
               metrics_port > 0 ? fmt::format("127.0.0.1:{}", metrics_port) : std::string()));
}

struct HttpReply {
  int status = 0;
  std::string headers;
  std::string body;
};

// One HTTP/1.0 request over a plain socket; status 0 when nothing answered.
HttpReply Http(int port, const std::string& method, const std::string& path) {
  HttpReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string raw;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) raw.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  const auto end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || end == std::string::npos) return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  reply.headers = raw.substr(0, end);
  reply.body = raw.substr(end + 4);
  return reply;
}

// "name{labels}" -> value, from Prometheus text; checks every sample has a
// TYPE line before it.
std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> series;
  std::set<std::string> typed;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    const std::string key = line.substr(0, space);
    const std::string name = key.substr(0, key.find('{'));
    INFO(line);
    CHECK(typed.count(name) == 1);
    CHECK(name.starts_with("cityedge_"));
    series[key] = std::stod(line.substr(space + 1));
  }
  return series;
}

double Value(const std::map<std::string, double>& series, const std::string& key) {
  auto it = series.find(key);
  INFO("series " << key);
  REQUIRE(it != series.end());
  return it->second;
}

RunResult Cli(const std::string& socket, std::vector<std::string> args) {
  std::vector<std::string> argv = {EnvOr("CITYEDGE_CLI", "cityedge"), "--socket", socket};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, 30s);
}

TEST_CASE("Metrics are scraped over HTTP and through the CLI, health events reach the platform") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker);
  WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
  const std::string dump = dir.Join("platform.jsonl");
  auto subscriber =
      PlatformSubscriber::Start({"--port", std::to_string((*broker)->port()), "--gateway", kGateway,
                                 "--timeout", "300", "--dump", dump});
  REQUIRE(subscriber);
  REQUIRE(subscriber->WaitSubscribed(1, 20s));
  const int port = FreeLoopbackPort();
  auto gateway = Gateway::Start(dir.path(), Config(dir.path(), (*broker)->uri(), port));
  REQUIRE(gateway);
  INFO(gateway->LogTail());
  REQUIRE(WaitForPort(port, 20s));

  // Wait until the driver has fed the pipeline and the broker acked events.
  std::map<std::string, double> m;
  for (int i = 0; i < 200; ++i) {
    const HttpReply r = Http(port, "GET", "/metrics");
    REQUIRE(r.status == 200);
    CHECK(r.headers.find("text/plain; version=0.0.4") != std::string::npos);
    m = ParseMetrics(r.body);
    if (m["cityedge_uplink_events_acked_total"] > 0 &&
        m["cityedge_pipeline_samples_total{pipeline=\"warm\",type=\"threshold\"}"] > 0) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  CHECK(std::any_of(m.begin(), m.end(), [](const auto& kv) {
    return kv.first.starts_with("cityedge_info{gateway=\"gw-health\",version=\"") && kv.second == 1;
  }));
  CHECK(Value(m, "cityedge_journal_durable_seq") > 0);
  CHECK(Value(m, "cityedge_journal_backlog_rows{class=\"telemetry\"}") >= 0);
  CHECK(Value(m, "cityedge_journal_evictions_total{reason=\"quota\"}") == 0);
  CHECK(Value(m, "cityedge_uplink_connected") == 1);
  CHECK(Value(m, "cityedge_uplink_events_acked_total") > 0);
  CHECK(Value(m, "cityedge_uplink_events_published_total") >=
        Value(m, "cityedge_uplink_events_acked_total"));
  CHECK(Value(m, "cityedge_uplink_publish_latency_seconds{quantile=\"0.99\"}") >= 0);
  CHECK(Value(m, "cityedge_driver_state{driver=\"t1\",type=\"replay\",state=\"online\"}") == 1);
  CHECK(Value(m, "cityedge_driver_state{driver=\"t1\",type=\"replay\",state=\"offline\"}") == 0);
  CHECK(Value(m, "cityedge_driver_readings_total{driver=\"t1\",type=\"replay\"}") > 0);
  CHECK(Value(m, "cityedge_driver_restarts_total{driver=\"t1\",type=\"replay\"}") == 0);
  CHECK(Value(m, "cityedge_pipeline_samples_total{pipeline=\"warm\",type=\"threshold\"}") > 0);
  CHECK(Value(m, "cityedge_pipeline_frames_dropped_total{pipeline=\"warm\",type=\"threshold\"}") ==
        0);
  CHECK(Value(m, "cityedge_process_resident_memory_bytes") > 1e6);
  // qemu-user (cross builds) reports no CPU time for the program it runs.
  if (EnvOr("CITYEDGE_EMULATOR", "").empty()) {
    CHECK(Value(m, "cityedge_process_cpu_seconds_total") > 0);
  }
  CHECK(Value(m, "cityedge_disk_free_bytes") > 0);
  CHECK(m.count("cityedge_clock_synced") == 1);

  CHECK(Http(port, "POST", "/metrics").status == 405);
  CHECK(Http(port, "GET", "/").status == 404);
  CHECK(Http(port, "GET", "/metrics/x").status == 404);

  // The control op gives the same series (values move between the two reads).
  const RunResult cli = Cli(dir.Join("control.sock"), {"metrics"});
  REQUIRE(cli.status == 0);
  const auto via_cli = ParseMetrics(cli.output);
  std::set<std::string> http_keys, cli_keys;
  for (const auto& [k, v] : m) http_keys.insert(k);
  for (const auto& [k, v] : via_cli) cli_keys.insert(k);
  CHECK(cli_keys == http_keys);
  CHECK(Value(via_cli, "cityedge_driver_readings_total{driver=\"t1\",type=\"replay\"}") >=
        Value(m, "cityedge_driver_readings_total{driver=\"t1\",type=\"replay\"}"));
  const RunResult json = Cli(dir.Join("control.sock"), {"--json", "metrics"});
  REQUIRE(json.status == 0);
  CHECK(json.output.find("\"text\":\"# HELP cityedge_info") != std::string::npos);

  // Health events (every second) reach the platform with the new fields.
  DumpReader reader(dump);
  const v1::GatewayHealth* health = nullptr;
  REQUIRE(e2e::PollUntil(
      reader,
      [&] {
        for (const auto& r : reader.received()) {
          if (r.event.has_gateway_health() && r.event.gateway_health().pipelines_size() > 0 &&
              r.event.gateway_health().pipelines(0).samples_total() > 0) {
            CHECK(r.topic.ends_with("/events/health"));
            CHECK(r.event.source() == kGateway);
            health = &r.event.gateway_health();
            return true;
          }
        }
        return false;
      },
      30s));
  CHECK(health->rss_bytes() > 0);
  CHECK(health->durable_seq() > 0);
  CHECK(health->uptime_s() >= 1);
  REQUIRE(health->components_size() == 1);
  CHECK(health->components(0).instance() == "t1");
  CHECK(health->pipelines(0).id() == "warm");

  REQUIRE(gateway->Stop(10s) == 0);
  CHECK(std::filesystem::exists(dir.Join("journal.db")));
}

// The daemon under libfaketime, its wall clock driven by `offset_file`
// ("@1970-01-01 00:00:10" boots it at 1970; "+0" steps it to the real time).
Result<Process> StartFakedDaemon(const TempDir& dir, const std::string& lib,
                                 const std::string& offset_file) {
  SpawnOptions options;
  options.stdout_path = dir.Join("cityedged.log");
  options.stderr_path = dir.Join("cityedged.log");
  options.env = {{"LD_PRELOAD", lib},
                 {"FAKETIME_TIMESTAMP_FILE", offset_file},
                 {"FAKETIME_NO_CACHE", "1"},
                 {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}};
  return Process::Spawn({"/bin/sh", "-c", "cd \"$0\" && exec \"$1\" --config config.yaml",
                         dir.path(), EnvOr("CITYEDGE_DAEMON", "cityedged")},
                        options);
}

bool WaitForLog(const std::string& path, const std::string& text, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (ReadFile(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

TEST_CASE("Booted at 1970 below its clock floor: TLS validates at the floor, then a step to now") {
  const std::string lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  if (!EnvOr("CITYEDGE_EMULATOR", "").empty()) {
    WARN(
        "under qemu-user the daemon's clock reads are emulated syscalls, which libfaketime "
        "cannot shift: skipped");
    return;
  }
  if (!std::filesystem::exists(lib)) {
    WARN("libfaketime missing (scripts/install-deps.sh installs faketime): skipped");
    return;
  }
  TempDir dir;
  // The test CA is valid from now on: at 1970 its certificates are "not yet
  // valid", unless checked at the floor.
  auto pki = MakeTestPki(dir.path());
  REQUIRE(pki);
  Mosquitto::Options tls;
  tls.listener = "cafile " + pki->ca + "\ncertfile " + pki->server_cert + "\nkeyfile " +
                 pki->server_key + "\n";
  auto broker = Mosquitto::Start(dir.path(), tls);
  REQUIRE(broker);
  WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
  std::string config = Config(dir.path(), (*broker)->uri("ssl"), 0);
  const std::string tls_config = "  tls: {ca_file: " + pki->ca + "}\n";
  config.insert(config.find("control:"), tls_config);
  WriteFile(dir.Join("config.yaml"), config);
  const std::string offset_file = dir.Join("faketime");
  WriteFile(offset_file, "@1970-01-01 00:00:10\n");
  const std::string log_path = dir.Join("cityedged.log");

  SECTION("without a floor the broker's certificate is not yet valid") {
    auto daemon = StartFakedDaemon(dir, lib, offset_file);
    REQUIRE(daemon);
    INFO(ReadFile(log_path));
    CHECK(WaitForLog(log_path, "certificate is not yet valid", 60s));
    daemon->Signal(SIGTERM);
    CHECK(daemon->Wait(10s) == 0);
  }

  SECTION("with the floor it connects, and keeps its session across the step") {
    // An earlier run, synchronised, left its last good time.
    const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    WriteFile(dir.Join("clock_floor"), std::to_string(now_ns) + "\n");
    const std::string dump = dir.Join("platform.jsonl");
    auto subscriber = PlatformSubscriber::Start({"--port", std::to_string((*broker)->port()),
                                                 "--gateway", kGateway, "--timeout", "300",
                                                 "--dump", dump, "--tls-ca", pki->ca});
    REQUIRE(subscriber);
    REQUIRE(subscriber->WaitSubscribed(1, 20s));
    auto daemon = StartFakedDaemon(dir, lib, offset_file);
    REQUIRE(daemon);
    INFO(ReadFile(log_path));

    // Telemetry and health arrive, stamped at 1970 and unsynced.
    DumpReader reader(dump);
    // Polls until 50 readings and 3 health events whose capture time `keep`s.
    auto wait_for_events = [&](auto&& keep) {
      return e2e::PollUntil(
          reader,
          [&] {
            std::uint64_t readings = 0, healths = 0;
            for (const auto& r : reader.received()) {
              if (!keep(r.event.capture_time())) continue;
              if (r.event.has_reading()) ++readings;
              if (r.event.has_gateway_health()) ++healths;
            }
            return readings >= 50 && healths >= 3;
          },
          60s);
    };
    constexpr std::int64_t kYearNs = 365LL * 86400 * 1'000'000'000;
    auto at_1970 = [&](const v1::Timestamp& t) {
      return t.wall_unix_ns() < kYearNs && t.clock_state() == v1::CLOCK_STATE_UNSYNCED;
    };
    REQUIRE(wait_for_events(at_1970));
    std::string log = ReadFile(log_path);
    CHECK(log.find("is before the last known good time") != std::string::npos);
    CHECK(log.find("checking the certificate of") != std::string::npos);

    // The clock steps to now: events carry the new time, the session goes on.
    WriteFile(offset_file, "+0\n");
    auto after_step = [&](const v1::Timestamp& t) { return t.wall_unix_ns() >= now_ns; };
    REQUIRE(wait_for_events(after_step));
    int births = 0;
    for (const auto& state : reader.states())
      births += state.status() == v1::GatewayState::STATUS_ONLINE;
    CHECK(births == 1);
    log = ReadFile(log_path);
    CHECK(log.find("connect to") == std::string::npos);  // not one failed connect
    daemon->Signal(SIGTERM);
    CHECK(daemon->Wait(10s) == 0);
    // The floor moved only if the host clock is synchronised; never below.
    CHECK(std::stoll(ReadFile(dir.Join("clock_floor"))) >= now_ns);
  }
}

}  // namespace
}  // namespace cityedge::testing
