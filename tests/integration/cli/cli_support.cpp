// SPDX-License-Identifier: Apache-2.0
#include "tests/integration/cli/cli_support.hpp"

#include <thread>

#include <fmt/format.h>
#include <catch2/catch.hpp>

namespace cityedge::testing::cli_it {

using namespace std::chrono_literals;

std::string Config(const std::string& dir, const std::string& broker, const std::string& tls,
                   const std::string& drivers) {
  return fmt::format(R"(gateway: {{id: gw-cli, site: "CLI bench"}}
journal: {{path: journal.db}}
uplink:
  brokers: ["{broker}"]
  first_connect_delay_max: 0s
  backoff_max: 1s
  drain_rate: 10
{tls}
control:
  socket_path: {dir}/control.sock
  trust_unsynced_clock: true
drivers:
{drivers}
pipelines:
  - id: warm
    type: threshold
    inputs: [t1/temp]
    settings: {{high: 1000, stale_after: 5m}}
)",
                     fmt::arg("broker", broker), fmt::arg("tls", tls), fmt::arg("dir", dir),
                     fmt::arg("drivers", drivers));
}

std::string ReplayDrivers(const std::string& dir) {
  return fmt::format(R"(  - id: t1
    type: replay
    settings: {{path: {0}/t.csv, rate: 5, loop: true}}
  - id: t2
    type: replay
    settings: {{path: {0}/t.csv, rate: 5, loop: true}}
)",
                     dir);
}

RunResult Cli(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {EnvOr("CITYEDGE_CLI", "cityedge"), "--socket",
                                   dir + "/control.sock"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, 60s);
}

e2e::Gateway StartGateway(const std::string& dir, const std::string& config,
                          const std::map<std::string, std::string>& env) {
  auto g = e2e::Gateway::Start(dir, config, env);
  REQUIRE(g);
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = Cli(dir, {"status"}).status == 0;
    if (!up) std::this_thread::sleep_for(50ms);
  }
  INFO(g->LogTail());
  REQUIRE(up);
  return std::move(*g);
}

bool StatusShows(const std::string& dir, const std::string& text,
                 std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (Cli(dir, {"status"}).output.find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

RunResult Doctor(const std::string& dir, bool json) {
  std::vector<std::string> args = {"doctor", "--config", dir + "/config.yaml", "--sample", "1"};
  if (json) args.insert(args.begin(), "--json");
  return Cli(dir, args);
}

RunResult DoctorUntil(const std::string& dir, const std::string& text,
                      std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  RunResult r = Doctor(dir);
  while (r.output.find(text) == std::string::npos && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(200ms);
    r = Doctor(dir);
  }
  return r;
}

int CountOf(const std::string& text, const std::string& part) {
  int n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace cityedge::testing::cli_it
