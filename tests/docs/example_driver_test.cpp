// SPDX-License-Identifier: Apache-2.0
// The example drivers of docs/driver-guide.md, extracted from the guide and
// built as external .so files: they pass the host's loader checks, run under
// the driver host, stop within the 1 s the host allows, and the settings
// table the guide shows is what `cityedged --describe` prints for them.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "daemon/config/settings_validation.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/host/driver_registry.hpp"
#include "tests/host/host_test_support.hpp"

namespace cityedge::host {
namespace {

namespace fs = std::filesystem;

// A private copy of one built driver, laid out like a driver_dir: owned by
// the test's user (the policy below stands in for root) and not group- or
// world-writable. One driver per folder: the guide tells operators to install
// one external driver per box for now.
class DriverDir {
 public:
  explicit DriverDir(const std::string& file) {
    std::string pattern = (fs::temp_directory_path() / "cityedge-docs-drivers-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
    fs::copy_file(fs::path(CITYEDGE_DOCS_DRIVER_DIR) / file, fs::path(path_) / file);
    REQUIRE(::chmod((fs::path(path_) / file).c_str(), 0755) == 0);
  }
  ~DriverDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

LoadPolicy Policy() { return LoadPolicy{geteuid()}; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text between <!-- NAME:begin --> and <!-- NAME:end --> in the guide.
std::string GuideSection(const std::string& name) {
  const char* source = std::getenv("CITYEDGE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  const std::string guide = ReadFile(fs::path(source) / "docs" / "driver-guide.md");
  const std::string begin = "<!-- " + name + ":begin -->";
  const std::string end = "<!-- " + name + ":end -->";
  const auto b = guide.find(begin);
  const auto e = guide.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  std::string text = guide.substr(b + begin.size(), e - b - begin.size());
  while (!text.empty() && text.front() == '\n') text.erase(0, 1);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string Trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

v1::DriverInstance Instance(const std::string& id, const std::string& type) {
  v1::DriverInstance instance;
  instance.set_id(id);
  instance.set_type(type);
  instance.set_enabled(true);
  instance.set_publish(true);
  return instance;
}

HostOptions Options() {
  HostOptions options;
  options.backoff_initial = std::chrono::milliseconds(10);
  options.backoff_max = std::chrono::milliseconds(50);
  return options;
}

void RequireStopsInTime(DriverHost& host, const std::string& id) {
  const auto before = std::chrono::steady_clock::now();
  const Status stopped = host.StopInstance(id);
  INFO("instance " << id << ": " << (stopped ? "stopped" : stopped.error().message()));
  CHECK(stopped.has_value());
  CHECK(std::chrono::steady_clock::now() - before <= std::chrono::milliseconds(1000));
}

TEST_CASE("The guide's example drivers pass the loader's checks") {
  for (const std::string name : {"textfile", "heartbeat"}) {
    INFO(name);
    DriverDir dir(name + ".so");
    auto type = LoadExternalDriver(dir.path(), name + ".so", Policy());
    INFO((type ? std::string() : type.error().message()));
    REQUIRE(type.has_value());
    CHECK((*type)->name() == name);
    CHECK((*type)->descriptor().abi_major == CE_DRIVER_ABI_MAJOR);
    CHECK(config::CheckSettingsSchema((*type)->schema()).empty());
    // The same folder through the path the daemon takes for driver_dir.
    DriverRegistry registry;
    std::vector<Error> problems;
    REQUIRE(registry.LoadDirectory(dir.path(), &problems, Policy()).has_value());
    CHECK(problems.empty());
    CHECK(registry.Names() == std::vector<std::string>{name});
  }
}

TEST_CASE("The guide's settings tables are what --describe prints") {
  for (const std::string name : {"textfile", "heartbeat"}) {
    INFO(name);
    DriverDir dir(name + ".so");
    auto type = LoadExternalDriver(dir.path(), name + ".so", Policy());
    REQUIRE(type.has_value());
    CHECK(GuideSection("describe-" + name) ==
          Trimmed(config::DescribeSettings(name, (*type)->schema())));
  }
}

TEST_CASE("The textfile example reads its file, degrades on garbage and stops in time") {
  DriverDir dir("textfile.so");
  DriverRegistry registry;
  std::vector<Error> problems;
  REQUIRE(registry.LoadDirectory(dir.path(), &problems, Policy()).has_value());
  const fs::path value_file = fs::path(dir.path()) / "level.txt";
  std::ofstream(value_file) << "2.75\n";

  fakes::RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), Options());
  v1::DriverInstance instance = Instance("gauge1", "textfile");
  (*instance.mutable_settings())["path"] = testing::Text(value_file.string());
  (*instance.mutable_settings())["channel"] = testing::Text("water_level");
  (*instance.mutable_settings())["unit"] = testing::Text("m");
  (*instance.mutable_settings())["interval"] = testing::Text("100ms");
  REQUIRE(host.StartInstance(instance).has_value());
  REQUIRE(sink.WaitFor(
      [](const auto& events) { return testing::CountReadings(events, "gauge1") > 0; }));
  const v1::Reading first = sink.Readings("gauge1").front();
  CHECK(first.channel() == "water_level");
  CHECK(first.value() == 2.75);
  CHECK(first.unit() == "m");

  std::ofstream(value_file) << "no number\n";
  CHECK(sink.WaitFor([](const auto& events) {
    return testing::CountStatus(events, "gauge1", v1::COMPONENT_STATE_DEGRADED) > 0;
  }));
  RequireStopsInTime(host, "gauge1");

  v1::DriverInstance unknown = Instance("gauge2", "textfile");
  (*unknown.mutable_settings())["path"] = testing::Text(value_file.string());
  (*unknown.mutable_settings())["colour"] = testing::Text("blue");
  const Status refused = host.StartInstance(unknown);
  REQUIRE_FALSE(refused.has_value());
  CHECK_THAT(refused.error().message(), Catch::Contains("unknown setting 'colour'"));
}

TEST_CASE("The heartbeat example counts and stops in time") {
  DriverDir dir("heartbeat.so");
  DriverRegistry registry;
  std::vector<Error> problems;
  REQUIRE(registry.LoadDirectory(dir.path(), &problems, Policy()).has_value());
  fakes::RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), Options());
  v1::DriverInstance instance = Instance("hb1", "heartbeat");
  (*instance.mutable_settings())["period"] = testing::Text("20ms");
  REQUIRE(host.StartInstance(instance).has_value());
  REQUIRE(
      sink.WaitFor([](const auto& events) { return testing::CountReadings(events, "hb1") >= 3; }));
  const auto readings = sink.Readings("hb1");
  CHECK(readings[0].channel() == "beat");
  CHECK(readings[0].value() == 1);
  CHECK(readings[1].value() == 2);
  RequireStopsInTime(host, "hb1");
}

}  // namespace
}  // namespace cityedge::host
