// SPDX-License-Identifier: Apache-2.0
// The README's first command, run as a newcomer would (against this build):
// the demo must show every configured class of event at the platform, flood
// alarms, rainstorm signals and AQI among them, with and without a broker at the start.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/process.hpp"

namespace cityedge::testing {
namespace {

// Reads one integer field of the platform subscriber's JSON summary, e.g.
// Count(json, "by_class", "alarm"). The summary is flat enough that a
// structured parser would add a dependency for nothing.
long Count(const std::string& json, const std::string& section, const std::string& key) {
  const auto at = json.find("\"" + section + "\"");
  if (at == std::string::npos) return -1;
  const auto end = json.find('}', at);
  const auto k = json.find("\"" + key + "\":", at);
  if (k == std::string::npos || k > end) return 0;
  return std::stol(json.substr(k + key.size() + 3));
}

long Top(const std::string& json, const std::string& key) {
  const auto k = json.find("\"" + key + "\":");
  return k == std::string::npos ? -1 : std::stol(json.substr(k + key.size() + 3));
}

RunResult RunDemo(const TempDir& dir, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {
      "/bin/bash",      EnvOr("CITYEDGE_SOURCE_DIR", ".") + "/scripts/demo.sh",
      "--build-dir",    EnvOr("CITYEDGE_BINARY_DIR", "."),
      "--speed",        "4320",
      "--summary-json", dir.Join("summary.json")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return Run(argv, std::chrono::minutes(3));
}

TEST_CASE("The demo delivers every configured class, flood alarms and AQI to the platform") {
  TempDir dir;
  const RunResult r = RunDemo(dir, {"--duration", "20s"});
  INFO(r.output.substr(r.output.size() > 4000 ? r.output.size() - 4000 : 0));
  REQUIRE(r.status == 0);
  const std::string json = ReadFile(dir.Join("summary.json"));
  INFO(json);
  for (const char* cls : {"alarm", "detection", "telemetry", "health"}) {
    INFO(cls);
    CHECK(Count(json, "by_class", cls) > 0);
  }
  CHECK(Count(json, "by_body", "flood_alert") >= 4);      // blue, yellow, orange, red
  CHECK(Count(json, "by_body", "rainstorm_alert") >= 4);  // blue, yellow, orange, red
  CHECK(Count(json, "by_body", "rainfall_summary") >= 1);
  CHECK(Count(json, "by_body", "air_quality") >= 1);
  CHECK(Count(json, "by_body", "threshold_alert") >= 1);
  CHECK(Count(json, "by_body", "noise_level") >= 1);
  CHECK(Top(json, "gap_lost") == 0);
  CHECK(r.output.find("flood warning red raised") != std::string::npos);
  CHECK(r.output.find("rainstorm signal red raised") != std::string::npos);
  CHECK(r.output.find("AQI ") != std::string::npos);
}

TEST_CASE("Without a broker the demo journals events and drains them when one appears") {
  TempDir dir;
  const RunResult r = RunDemo(dir, {"--duration", "24s", "--no-broker"});
  INFO(r.output.substr(r.output.size() > 4000 ? r.output.size() - 4000 : 0));
  REQUIRE(r.status == 0);
  const std::string json = ReadFile(dir.Join("summary.json"));
  INFO(json);
  // What was produced before the broker existed arrives flagged historical.
  CHECK(Top(json, "historical") > 100);
  CHECK(Count(json, "by_class", "alarm") > 0);
  CHECK(Top(json, "gap_lost") == 0);
  CHECK(r.output.find("the backlog drains") != std::string::npos);
}

}  // namespace
}  // namespace cityedge::testing
