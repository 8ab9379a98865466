// SPDX-License-Identifier: Apache-2.0
// cityedged as a process: systemd readiness, clean stop, config exit codes.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "tests/support/process.hpp"

namespace cityedge::testing {
namespace {

std::string Daemon() { return EnvOr("CITYEDGE_BINARY_DIR", ".") + "/daemon/app/cityedged"; }
std::string Source(const std::string& rel) { return EnvOr("CITYEDGE_SOURCE_DIR", ".") + "/" + rel; }

std::string MinimalConfig(const TempDir& dir) {
  // Port 1 on loopback refuses connections: the uplink keeps retrying in the
  // background while everything else runs.
  return "gateway:\n  id: test-gw\n"
         "journal:\n  path: " +
         dir.Join("journal.db") +
         "\n"
         "uplink:\n  brokers: [\"tcp://127.0.0.1:1\"]\n  first_connect_delay_max: 0s\n"
         "control:\n  socket_path: " +
         dir.Join("control.sock") + "\n";
}

// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
  }
  // Messages received until one contains `needle`, or everything seen on timeout.
  std::string WaitFor(const std::string& needle, std::chrono::seconds timeout) {
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && seen.find(needle) == std::string::npos) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) seen.append(buf, static_cast<std::size_t>(n)).append("\n");
    }
    return seen;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST_CASE("cityedged tells systemd it is ready and stops cleanly on SIGTERM") {
  TempDir dir;
  WriteFile(dir.Join("c.yaml"), MinimalConfig(dir));
  NotifySocket notify(dir.Join("notify"));
  auto daemon = Process::Spawn({Daemon(), "--config", dir.Join("c.yaml")},
                               {.stdout_path = dir.Join("log"),
                                .stderr_path = dir.Join("log"),
                                .env = {{"NOTIFY_SOCKET", dir.Join("notify")}}});
  REQUIRE(daemon.has_value());
  const std::string messages = notify.WaitFor("READY=1", std::chrono::seconds(30));
  INFO("daemon log:\n" << ReadFile(dir.Join("log")));
  REQUIRE(messages.find("READY=1") != std::string::npos);
  CHECK(messages.find("STATUS=") != std::string::npos);
  daemon->Signal(SIGTERM);
  const auto status = daemon->Wait(std::chrono::seconds(20));
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  CHECK(notify.WaitFor("STOPPING=1", std::chrono::seconds(1)).find("STOPPING=1") !=
        std::string::npos);
}

std::string PipelineConfig(const TempDir& dir) {
  WriteFile(dir.Join("t.csv"),
            "timestamp,channel,value,unit\n2026-11-28T10:00:00Z,temp,20,degC\n"
            "2026-11-28T10:00:01Z,temp,21,degC\n");
  return MinimalConfig(dir) +
         "drivers:\n  - id: t1\n    type: replay\n    settings: {path: " + dir.Join("t.csv") +
         ", rate: 1, loop: true}\npipelines:\n  - id: warm\n    type: threshold\n"
         "    inputs: [t1/temp]\n    settings: {high: 30}\n";
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_CASE(
    "with WatchdogSec, WATCHDOG=1 comes while everything progresses and stops when a "
    "pipeline hangs") {
  for (const bool stall : {false, true}) {
    INFO((stall ? "stalled pipeline" : "healthy"));
    TempDir dir;
    WriteFile(dir.Join("c.yaml"), PipelineConfig(dir));
    NotifySocket notify(dir.Join("notify"));
    std::map<std::string, std::string> env = {{"NOTIFY_SOCKET", dir.Join("notify")},
                                              {"WATCHDOG_USEC", "1000000"}};
    if (stall) env["CITYEDGE_STALL_PIPELINE_FOR_TEST"] = "warm";
    auto daemon = Process::Spawn(
        {Daemon(), "--config", dir.Join("c.yaml")},
        {.stdout_path = dir.Join("log"), .stderr_path = dir.Join("log"), .env = env});
    REQUIRE(daemon.has_value());
    const std::string ready = notify.WaitFor("READY=1", std::chrono::seconds(30));
    INFO("daemon log:\n" << ReadFile(dir.Join("log")));
    REQUIRE(ready.find("READY=1") != std::string::npos);
    if (!stall) {
      // Pings at half the period: several within a few seconds.
      const std::string seen = notify.WaitFor("never", std::chrono::seconds(3));
      CHECK(Count(seen, "WATCHDOG=1") >= 3);
    } else {
      // The hung tick is noticed 10 s after the last one; then pings stop.
      const std::string stuck = notify.WaitFor("STATUS=stuck", std::chrono::seconds(20));
      INFO("daemon log:\n" << ReadFile(dir.Join("log")));
      REQUIRE(stuck.find("STATUS=stuck: pipelines have not ticked") != std::string::npos);
      const std::string after = notify.WaitFor("never", std::chrono::seconds(3));
      CHECK(Count(after, "WATCHDOG=1") == 0);
      CHECK(ReadFile(dir.Join("log")).find("watchdog: not pinging") != std::string::npos);
    }
    daemon->Signal(SIGTERM);
    const auto status = daemon->Wait(std::chrono::seconds(20));
    REQUIRE(status.has_value());
    CHECK(*status == 0);
  }
}

TEST_CASE("cityedged stops on SIGINT as on SIGTERM") {
  TempDir dir;
  WriteFile(dir.Join("c.yaml"), MinimalConfig(dir));
  NotifySocket notify(dir.Join("notify"));
  auto daemon = Process::Spawn({Daemon(), "--config", dir.Join("c.yaml")},
                               {.stdout_path = dir.Join("log"),
                                .stderr_path = dir.Join("log"),
                                .env = {{"NOTIFY_SOCKET", dir.Join("notify")}}});
  REQUIRE(daemon.has_value());
  REQUIRE(notify.WaitFor("READY=1", std::chrono::seconds(30)).find("READY=1") != std::string::npos);
  daemon->Signal(SIGINT);
  const auto status = daemon->Wait(std::chrono::seconds(20));
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

TEST_CASE("A start that fails half-way stops what had started, journal and socket included") {
  TempDir dir;
  // A required Modbus station that does not answer: the journal, uplink and
  // control plane have started when the drivers fail.
  WriteFile(dir.Join("c.yaml"), MinimalConfig(dir) + fmt::format(R"(drivers:
  - id: aqm9
    type: modbus
    required: true
    settings:
      transport: tcp
      host: 127.0.0.1
      port: {}
      poll_interval: 1s
      registers: [{{channel: pm2_5, addr: 0, fn: input, type: u16, unit: ug/m3}}]
)",
                                                                 FreeLoopbackPort()));
  const auto r = Run({Daemon(), "--config", dir.Join("c.yaml")}, std::chrono::seconds(60));
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("drivers:") && Catch::Contains("aqm9") &&
                           !Catch::Contains("running:"));
  // The control plane stopped (its socket is gone) and the journal closed
  // cleanly (its state file says so).
  CHECK_FALSE(std::filesystem::exists(dir.Join("control.sock")));
  CHECK_THAT(ReadFile(dir.Join("journal.db.state")), Catch::Contains("clean 1"));
}

TEST_CASE("--check-config accepts the example config and exits 0") {
  const auto r = Run({Daemon(), "--check-config", Source("config/cityedged.example.yaml")});
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find(": ok (config hash ") != std::string::npos);
}

TEST_CASE("A bad config is refused with every problem named and exit 78") {
  TempDir dir;
  WriteFile(dir.Join("bad.yaml"),
            "gateway:\n  id: Bad Id\n"
            "journal:\n  max_bytes: lots\n  colour: blue\n"
            "uplink:\n  brokers: [\"tcp://127.0.0.1:1\"]\n");
  SECTION("--check-config") {
    const auto r = Run({Daemon(), "--check-config", dir.Join("bad.yaml")});
    INFO(r.output);
    CHECK(r.status == 78);
    CHECK(r.output.find("bad.yaml:2:") != std::string::npos);
    CHECK(r.output.find("gateway.id") != std::string::npos);
    CHECK(r.output.find("journal.max_bytes") != std::string::npos);
    CHECK(r.output.find("journal.colour") != std::string::npos);
    CHECK(r.output.find("3 problems") != std::string::npos);
  }
  SECTION("starting the daemon") {
    const auto r = Run({Daemon(), "--config", dir.Join("bad.yaml")});
    INFO(r.output);
    CHECK(r.status == 78);
    CHECK(r.output.find("journal.max_bytes") != std::string::npos);
  }
}

TEST_CASE("A bad field of a list of tables is named by its full key path, and exits 78") {
  TempDir dir;
  const std::string config =
      "gateway: {id: gw1}\n"
      "uplink: {brokers: [\"tcp://127.0.0.1:1\"]}\n"
      "drivers:\n"
      "  - id: meter\n"
      "    type: modbus\n"
      "    settings:\n"
      "      host: 192.168.10.20\n"
      "      registers:\n"
      "        - {channel: energy, addr: 0, type: u32}\n"
      "        - {channel: power, addr: 2, type: f32, order: ORDER}\n"
      "        - \"channel=volts addr=4 scale=0.1\"\n";
  std::string bad = config;
  bad.replace(bad.find("ORDER"), 5, "abdc");
  WriteFile(dir.Join("bad.yaml"), bad);
  const auto r = Run({Daemon(), "--check-config", dir.Join("bad.yaml")});
  INFO(r.output);
  CHECK(r.status == 78);
  CHECK(r.output.find("bad.yaml:10:55: drivers[0].settings.registers[1].order: expected one of "
                      "abcd, cdab, badc, dcba, got \"abdc\"") != std::string::npos);
  CHECK(r.output.find("1 problem") != std::string::npos);

  // The deprecated one-line entry alone is a warning, not a problem.
  std::string good = config;
  good.replace(good.find("ORDER"), 5, "cdab");
  WriteFile(dir.Join("good.yaml"), good);
  const auto ok = Run({Daemon(), "--check-config", dir.Join("good.yaml")});
  INFO(ok.output);
  CHECK(ok.status == 0);
  CHECK(ok.output.find("warning: " + dir.Join("good.yaml") +
                       ":11:11: drivers[0].settings.registers[2]: the one-line form is "
                       "deprecated and will be removed; write the entry as a mapping: "
                       "{channel: volts, addr: 4, scale: 0.1}") != std::string::npos);
}

// The types `config` names in "type: X" lines that this build lacks (the
// vision pipelines without OpenCV), so the check is skipped, not failed.
std::vector<std::string> MissingTypes(const std::string& config) {
  const std::string known = Run({Daemon(), "--describe", "list"}).output;
  std::vector<std::string> missing;
  std::istringstream in(config);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find("type: ");
    if (at == std::string::npos || line.find('#') != std::string::npos) continue;
    const std::string type = line.substr(at + 6);
    if (known.find("  " + type + "\n") == std::string::npos) missing.push_back(type);
  }
  return missing;
}

// tests/config/bad/cityedged/ holds malformed settings of the real plugins
// (bad_corpus_test checks the files beside it against trimmed copies of the
// schemas). Each file's "# expect: LINE:COLUMN: PATH: MESSAGE" lines are
// exactly what --check-config must print, and it must exit 78.
TEST_CASE("cityedged --check-config names every bad setting of the real plugins by its key path") {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(Source("tests/config/bad/cityedged"))) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 4);
  for (const fs::path& file : files) {
    const std::string text = ReadFile(file.string());
    if (const auto missing = MissingTypes(text); !missing.empty()) {
      WARN(file.filename().string() << ": skipped, this build has no " << missing.front());
      continue;
    }
    std::vector<std::string> expects;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("# expect: ", 0) == 0) expects.push_back(line.substr(10));
    }
    const auto r = Run({Daemon(), "--check-config", file.string()});
    INFO(file.filename().string() << " reported:\n" << r.output);
    REQUIRE_FALSE(expects.empty());
    CHECK(r.status == 78);
    for (const std::string& expect : expects) {
      INFO("expected: " << expect);
      CHECK(r.output.find(file.string() + ":" + expect + "\n") != std::string::npos);
    }
    const std::string count = std::to_string(expects.size()) + " problem";
    CHECK(r.output.find(file.string() + ": " + count + (expects.size() == 1 ? "\n" : "s\n")) !=
          std::string::npos);
  }
}

TEST_CASE("The vision pipelines' forms of earlier releases pass --check-config with warnings") {
  TempDir dir;
  const std::string config =
      "gateway: {id: gw1}\n"
      "uplink: {brokers: [\"tcp://127.0.0.1:1\"]}\n"
      "drivers:\n"
      "  - id: cam1\n"
      "    type: camera\n"
      "    settings: {source: /dev/video0}\n"
      "  - id: ir1\n"
      "    type: thermal\n"
      "    settings: {device: /dev/video2}\n"
      "pipelines:\n"
      "  - id: people\n"
      "    type: people_count\n"
      "    inputs: [cam1]\n"
      "    settings:\n"
      "      zones: [\"queue: 0.3,0.55 0.7,0.55 0.75,0.95\"]\n"
      "      lines: [\"gates: 0.2,0.6 0.8,0.6\"]\n"
      "  - id: crowd\n"
      "    type: crowd_density\n"
      "    inputs: [cam1]\n"
      "    settings:\n"
      "      zones: [\"north: 0,0 1,0 1,1\"]\n"
      "      zone_areas: [\"north: 120\"]\n"
      "      occupancy_levels: [0.15, 0.35, 0.6]\n"
      "  - id: gate\n"
      "    type: fever_screen\n"
      "    inputs: [ir1, cam1]\n"
      "    settings:\n"
      "      visible_input: cam1\n"
      "      visible_to_thermal: [0.25, 0, 2, 0, 0.25, 0, 0, 0, 1]\n";
  if (const auto missing = MissingTypes(config); !missing.empty()) {
    WARN("skipped: this build has no " << missing.front());
    return;
  }
  WriteFile(dir.Join("old.yaml"), config);
  const auto r = Run({Daemon(), "--check-config", dir.Join("old.yaml")});
  INFO(r.output);
  CHECK(r.status == 0);
  const std::string at = "warning: " + dir.Join("old.yaml") + ":";
  for (const char* warning :
       {"15:15: pipelines[0].settings.zones[0]: the one-line form is deprecated and will be "
        "removed; write the entry as a mapping: {name: queue, polygon: [[0.3, 0.55], [0.7, 0.55], "
        "[0.75, 0.95]]}\n",
        "16:15: pipelines[0].settings.lines[0]: the one-line form is deprecated and will be "
        "removed; write the entry as a mapping: {name: gates, from: [0.2, 0.6], to: [0.8, 0.6]}\n",
        "21:15: pipelines[1].settings.zones[0]: the one-line form is deprecated and will be "
        "removed; write the entry as a mapping: {name: north, polygon: [[0, 0], [1, 0], [1, "
        "1]]}\n",
        "22:7: pipelines[1].settings.zone_areas: deprecated and will be removed; give the area in "
        "the zone's table, zones[].area\n",
        "23:7: pipelines[1].settings.occupancy_levels: deprecated and will be removed; write each "
        "as levels[].occupancy\n",
        "29:27: pipelines[2].settings.visible_to_thermal: a flat list is deprecated and will be "
        "removed; write it as rows of 3: [[0.25, 0, 2], [0, 0.25, 0], [0, 0, 1]]\n"}) {
    CHECK(r.output.find(at + warning) != std::string::npos);
  }
  CHECK(r.output.find(": ok (config hash ") != std::string::npos);
}

TEST_CASE("A missing config file is a config error, not a crash") {
  const auto r = Run({Daemon(), "--config", "/nonexistent/cityedged.yaml"});
  INFO(r.output);
  CHECK(r.status == 78);
  CHECK(r.output.find("/nonexistent/cityedged.yaml") != std::string::npos);
}

TEST_CASE("--version and --help answer and exit 0; a bad flag exits 64") {
  const auto v = Run({Daemon(), "--version"});
  CHECK(v.status == 0);
  CHECK(v.output.find("cityedged ") == 0);
  const auto h = Run({Daemon(), "--help"});
  CHECK(h.status == 0);
  CHECK(h.output.find("--check-config") != std::string::npos);
  const auto bad = Run({Daemon(), "--no-such-flag"});
  CHECK(bad.status == 64);
}

TEST_CASE("--describe prints the daemon's config keys") {
  const auto r = Run({Daemon(), "--describe", "config"});
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("journal.max_bytes") != std::string::npos);
  const auto unknown = Run({Daemon(), "--describe", "no-such-thing"});
  CHECK(unknown.status == 64);
  CHECK(unknown.output.find("no-such-thing") != std::string::npos);
}

}  // namespace
}  // namespace cityedge::testing
