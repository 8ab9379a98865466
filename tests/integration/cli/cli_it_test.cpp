// SPDX-License-Identifier: Apache-2.0
// `cityedge top` and `cityedge doctor` against the real cityedged, a real
// mosquitto and a real terminal: top runs inside tmux at 80x24 and 132x43 and
// is read back with capture-pane while the broker goes down and the backlog
// drains; doctor is run on a healthy box and on real faults.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_support.hpp"
#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/tls_certs.hpp"
#include "tests/support/process.hpp"

namespace cityedge::testing {
namespace {

using e2e::Gateway;
using namespace cli_it;
using namespace std::chrono_literals;

// A tmux server of our own (its socket in the test folder), one session per
// terminal size, each running `cityedge top`.
class Tmux {
 public:
  explicit Tmux(std::string dir) : dir_(std::move(dir)), socket_(dir_ + "/tmux.sock") {}
  ~Tmux() { (void)Run({tmux(), "-S", socket_, "kill-server"}, 10s); }

  void Open(const std::string& name, int width, int height, const std::string& command) {
    const RunResult r =
        Run({tmux(), "-S", socket_, "-f", "/dev/null", "new-session", "-d", "-s", name, "-x",
             std::to_string(width), "-y", std::to_string(height), command},
            10s);
    INFO(r.output);
    REQUIRE(r.status == 0);
    const RunResult size =
        Run({tmux(), "-S", socket_, "display", "-p", "-t", name, "#{pane_width}x#{pane_height}"});
    REQUIRE(size.output == fmt::format("{}x{}\n", width, height));
  }

  std::string Capture(const std::string& name) const {
    return Run({tmux(), "-S", socket_, "capture-pane", "-p", "-t", name}, 10s).output;
  }

  void Keys(const std::string& name, const std::string& keys) const {
    (void)Run({tmux(), "-S", socket_, "send-keys", "-t", name, keys}, 10s);
  }

 private:
  static std::string tmux() { return EnvOr("CITYEDGE_TMUX", "/usr/bin/tmux"); }
  std::string dir_;
  std::string socket_;
};

// The drain line's bar as "filled/width", e.g. "12/30"; empty without one.
std::string BarState(const std::string& screen) {
  std::istringstream lines(screen);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("  drain  ", 0) != 0) continue;
    const int full = CountOf(line, "█");
    const int empty = CountOf(line, "░");
    if (full + empty > 0) return fmt::format("{}/{}", full, full + empty);
  }
  return "";
}

// The line of a driver instance in top's table.
std::string InstanceLine(const std::string& screen, const std::string& id) {
  std::istringstream lines(screen);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(id + " ", 0) == 0) return line;
  }
  return "";
}

bool HasSparkline(const std::string& line) {
  // std::regex sees bytes: each block character is three bytes of this
  // class, so nine in a row are at least three seconds of values.
  static const std::regex spark("temp +[▁▂▃▄▅▆▇█ ]*[▁▂▃▄▅▆▇█]{9,}");
  return std::regex_search(line, spark);
}

TEST_CASE("top in a terminal: uplink, a sparkline per reading instance, the drain bar moving") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker);
  WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
  Gateway gateway =
      StartGateway(dir.path(), Config(dir.path(), (*broker)->uri(), "", ReplayDrivers(dir.path())));
  REQUIRE(StatusShows(dir.path(), "connected to tcp"));

  Tmux tmux(dir.path());
  const std::string top =
      fmt::format("env LANG=C.UTF-8 LC_ALL=C.UTF-8 {} --socket {}/control.sock top",
                  EnvOr("CITYEDGE_CLI", "cityedge"), dir.path());
  const std::vector<std::pair<std::string, std::pair<int, int>>> terminals = {{"small", {80, 24}},
                                                                              {"large", {132, 43}}};
  for (const auto& [name, size] : terminals) tmux.Open(name, size.first, size.second, top);

  // Live: the uplink line, and each reading instance's sparkline fills in.
  for (const auto& [name, size] : terminals) {
    std::string screen;
    bool ready = false;
    for (int i = 0; i < 150 && !ready; ++i) {
      std::this_thread::sleep_for(200ms);
      screen = tmux.Capture(name);
      ready = screen.find("uplink   connected to tcp://127.0.0.1:") != std::string::npos &&
              HasSparkline(InstanceLine(screen, "t1")) && HasSparkline(InstanceLine(screen, "t2"));
    }
    INFO(name << "\n" << screen);
    CHECK(ready);
    CHECK_THAT(screen, Catch::Contains("no backlog"));
    CHECK_THAT(screen, Catch::Contains("warm"));  // the pipeline's line
  }

  // The broker goes: the backlog grows while top waits for the uplink.
  (*broker)->Kill();
  REQUIRE(StatusShows(dir.path(), "disconnected"));
  std::string screen;
  bool waiting = false;
  for (int i = 0; i < 150 && !waiting; ++i) {
    std::this_thread::sleep_for(200ms);
    screen = tmux.Capture("small");
    waiting = screen.find("waiting for the uplink") != std::string::npos;
  }
  INFO(screen);
  REQUIRE(waiting);
  std::this_thread::sleep_for(6s);  // about 60 events wait; drain_rate 10 takes seconds for them

  // The broker is back: the bar fills as the backlog drains, at both sizes.
  REQUIRE((*broker)->Restart());
  // backlog --watch follows the same drain to its end.
  RunResult watch;
  std::thread watcher([&] {
    watch = Cli(dir.path(), {"backlog", "--watch", "--interval", "0.5"});
  });
  std::map<std::string, std::set<std::string>> bars;
  bool drained = false;
  for (int i = 0; i < 300 && !drained; ++i) {
    drained = true;
    for (const auto& [name, size] : terminals) {
      screen = tmux.Capture(name);
      if (const std::string bar = BarState(screen); !bar.empty()) bars[name].insert(bar);
      drained = drained && screen.find("no backlog") != std::string::npos;
    }
    std::this_thread::sleep_for(100ms);
  }
  for (const auto& [name, size] : terminals) {
    INFO(name << ": " << fmt::format("{}", fmt::join(bars[name], " ")));
    CHECK(bars[name].size() >= 2);  // the bar moved
  }
  CHECK(drained);
  watcher.join();
  INFO(watch.output);
  CHECK(watch.status == 0);
  CHECK_THAT(watch.output, Catch::Contains("% "));
  CHECK_THAT(watch.output, Catch::Contains("backlog drained: "));

  // q leaves and gives the terminal back.
  tmux.Keys("small", "q");
  bool left = false;
  for (int i = 0; i < 50 && !left; ++i) {
    std::this_thread::sleep_for(100ms);
    left = tmux.Capture("small").find("cityedge top") == std::string::npos;
  }
  CHECK(left);
}

TEST_CASE("top without a terminal prints plain text, without escape sequences") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker);
  WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
  Gateway gateway =
      StartGateway(dir.path(), Config(dir.path(), (*broker)->uri(), "", ReplayDrivers(dir.path())));
  REQUIRE(StatusShows(dir.path(), "connected to tcp"));
  const RunResult r = Cli(dir.path(), {"top", "-n", "2", "--interval", "0.5"});
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(CountOf(r.output, "cityedge top") == 2);
  CHECK_THAT(r.output, Catch::Contains("uplink   connected to tcp://"));
  CHECK(r.output.find('\033') == std::string::npos);

  // A replay shows its progress and sums up when the daemon has sent it all.
  const RunResult replay = Cli(dir.path(), {"replay", "--seq", "1..20", "--rate", "10"});
  INFO(replay.output);
  CHECK(replay.status == 0);
  CHECK_THAT(replay.output, Catch::Contains("replay  "));
  std::smatch summary;
  REQUIRE(std::regex_search(replay.output, summary,
                            std::regex("replayed ([0-9]+) of ([0-9]+) event\\(s\\), seq 1\\.\\.")));
  CHECK(summary[1] == summary[2]);
  CHECK(std::stoi(summary[1]) > 0);
}

TEST_CASE("doctor: a healthy box passes; broker down and a driver offline need a person") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker);
  WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
  Gateway gateway =
      StartGateway(dir.path(), Config(dir.path(), (*broker)->uri(), "", ReplayDrivers(dir.path())));
  REQUIRE(StatusShows(dir.path(), "connected to tcp"));

  const RunResult healthy = Doctor(dir.path());
  INFO(healthy.output);
  CHECK_THAT(healthy.output, Catch::Contains("is valid and is what runs"));
  CHECK_THAT(healthy.output, Catch::Contains("h of headroom at"));
  CHECK_THAT(healthy.output, Catch::Contains("driver t1"));
  CHECK_THAT(healthy.output, Catch::Contains("socket"));
  // This bench trusts an unsynchronised clock (control.trust_unsynced_clock),
  // so a host without NTP shows a warning there, not a failure.
  CHECK(healthy.status == 0);
  CHECK(CountOf(healthy.output, "FAIL  ") == 0);
  CHECK_THAT(healthy.output, Catch::Contains("Nothing needs a person."));

  SECTION("the broker down: refused, with the next step") {
    (*broker)->Kill();
    REQUIRE(StatusShows(dir.path(), "connection refused"));
    const RunResult r = Doctor(dir.path());
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("FAIL  uplink"));
    CHECK_THAT(r.output, Catch::Contains("nothing listens on that port"));
    CHECK_THAT(r.output, Catch::Contains("-> check that the broker runs"));
    const RunResult json = Doctor(dir.path(), true);
    CHECK(json.status == 1);
    CHECK_THAT(json.output, Catch::StartsWith("{\"healthy\":false,"));
    CHECK_THAT(json.output,
               Catch::Contains("{\"name\":\"uplink\",\"verdict\":\"fail\",\"finding\":\"not "
                               "connected: the broker's host refused the connection"));
  }
  SECTION("a driver offline, and the config file edited but not applied") {
    std::string config = e2e::ReadText(dir.Join("config.yaml"));
    std::string broken = config;
    REQUIRE(e2e::ReplaceAll(broken, dir.Join("t.csv") + ", rate: 5",
                            dir.Join("gone.csv") + ", rate: 5") == 2);
    WriteFile(dir.Join("broken.yaml"), broken);
    const RunResult applied = Cli(dir.path(), {"config", "apply", dir.Join("broken.yaml")});
    INFO(applied.output);
    REQUIRE(applied.status == 0);
    CHECK_THAT(applied.output, Catch::Contains("running (was"));
    bool offline = false;
    RunResult r;
    for (int i = 0; i < 50 && !offline; ++i) {
      r = Doctor(dir.path());
      offline = r.output.find("cannot open " + dir.Join("gone.csv")) != std::string::npos;
    }
    INFO(r.output);
    CHECK(offline);
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("FAIL  driver t1"));
    CHECK_THAT(r.output, Catch::Contains("-> check that settings.path exists"));
    // config apply stored what it applied; an edit not applied shows.
    CHECK_THAT(r.output, Catch::Contains("is valid and is what runs"));
    REQUIRE(e2e::ReplaceAll(broken, "CLI bench", "CLI bench, edited") == 1);
    WriteFile(dir.Join("config.yaml"), broken);
    const RunResult edited = Doctor(dir.path());
    INFO(edited.output);
    CHECK_THAT(edited.output, Catch::Contains("differs from the config running"));
    CHECK_THAT(edited.output, Catch::Contains("-> run it with `cityedge config apply"));
  }
}

TEST_CASE("doctor names an expired and an unknown-CA broker certificate") {
  TempDir dir;
  auto pki = MakeTestPki(dir.path());
  REQUIRE(pki);
  WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
  struct Case {
    std::string name, cert, key, trusted_ca, finding, step;
  };
  const std::vector<Case> cases = {
      {"expired", pki->expired_cert, dir.Join("expired.key"), pki->ca,
       "TLS certificate has expired", "renew the broker's certificate"},
      {"unknown CA", pki->server_cert, pki->server_key, pki->other_ca, "(unknown CA)",
       "install the platform's CA certificate"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    auto broker = Mosquitto::Start(dir.path(), {.listener = "cafile " + pki->ca + "\ncertfile " +
                                                            c.cert + "\nkeyfile " + c.key + "\n"});
    REQUIRE(broker);
    const std::string tls = fmt::format("  tls: {{ca_file: {}}}", c.trusted_ca);
    const std::string uri = "ssl://localhost:" + std::to_string((*broker)->port());
    Gateway gateway =
        StartGateway(dir.path(), Config(dir.path(), uri, tls, ReplayDrivers(dir.path())));
    REQUIRE(StatusShows(dir.path(), "TLS verify failure"));
    const RunResult r = Doctor(dir.path());
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains(c.finding));
    CHECK_THAT(r.output, Catch::Contains(c.step));
    (void)gateway.Stop(10s);
  }
}

}  // namespace
}  // namespace cityedge::testing
