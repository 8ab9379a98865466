// SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/core/clock.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/host/driver_registry.hpp"
#include "tests/host/host_test_support.hpp"

namespace cityedge::host {
namespace {

namespace fs = std::filesystem;

// A fresh driver folder (mode 0755, owned by the test's user: root in CI)
// holding a copy of one fake driver.
class DriverDir {
 public:
  DriverDir() {
    std::string tmpl = (fs::temp_directory_path() / "cityedge-drivers-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
    chmod(path_.c_str(), 0755);
  }
  ~DriverDir() { fs::remove_all(path_); }
  // Copies fake driver `stem`.so into the folder as `file`.
  void Add(const std::string& stem, const std::string& file, mode_t mode = 0755) const {
    fs::copy_file(fs::path(CITYEDGE_FAKE_DRIVER_DIR) / (stem + ".so"), fs::path(path_) / file);
    chmod((fs::path(path_) / file).c_str(), mode);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

LoadPolicy Policy() { return LoadPolicy{geteuid()}; }

std::string LoadError(const std::string& stem, const std::string& file) {
  DriverDir dir;
  dir.Add(stem, file);
  auto type = LoadExternalDriver(dir.path(), file, Policy());
  REQUIRE_FALSE(type.has_value());
  return type.error().message();
}

TEST_CASE("Each malformed external driver is refused with its own message") {
  CHECK_THAT(LoadError("wrong_major", "wrong_major.so"),
             Catch::Contains("speaks driver ABI major 2, this daemon speaks major 1"));
  CHECK_THAT(LoadError("refuses", "refuses.so"),
             Catch::Contains("refused host driver ABI 1." + std::to_string(CE_DRIVER_ABI_MINOR) +
                             " (its entry returned NULL)"));
  CHECK_THAT(LoadError("no_entry", "no_entry.so"),
             Catch::Contains("does not export ce_driver_entry"));
  CHECK_THAT(LoadError("small", "small.so"), Catch::Contains("descriptor struct_size") &&
                                                 Catch::Contains("is smaller than ABI 1.0"));
  CHECK_THAT(LoadError("mismatch", "mismatch.so"),
             Catch::Contains("calls itself 'good' but must be named 'mismatch'"));
}

TEST_CASE("A group- or world-writable driver folder or file is refused") {
  DriverDir dir;
  dir.Add("good", "good.so");
  chmod(dir.path().c_str(), 0777);
  auto type = LoadExternalDriver(dir.path(), "good.so", Policy());
  REQUIRE_FALSE(type.has_value());
  CHECK_THAT(type.error().message(),
             Catch::Contains("driver folder") && Catch::Contains("group- or world-writable"));
  DriverRegistry registry;
  CHECK_FALSE(registry.LoadDirectory(dir.path(), nullptr, Policy()).has_value());

  chmod(dir.path().c_str(), 0755);
  chmod((fs::path(dir.path()) / "good.so").c_str(), 0666);
  type = LoadExternalDriver(dir.path(), "good.so", Policy());
  REQUIRE_FALSE(type.has_value());
  CHECK_THAT(type.error().message(),
             Catch::Contains("driver file") && Catch::Contains("group- or world-writable"));
}

TEST_CASE("A driver folder owned by someone else is refused") {
  DriverDir dir;
  dir.Add("good", "good.so");
  auto type = LoadExternalDriver(dir.path(), "good.so", LoadPolicy{geteuid() + 1});
  REQUIRE_FALSE(type.has_value());
  CHECK_THAT(type.error().message(), Catch::Contains("is owned by uid"));
}

TEST_CASE("A symlinked driver file is refused") {
  DriverDir dir;
  dir.Add("good", "real.so");
  fs::create_symlink(fs::path(dir.path()) / "real.so", fs::path(dir.path()) / "good.so");
  auto type = LoadExternalDriver(dir.path(), "good.so", Policy());
  REQUIRE_FALSE(type.has_value());
  CHECK_THAT(type.error().message(), Catch::Contains("is a symbolic link"));
}

TEST_CASE("A folder scan loads the good drivers and reports each bad one") {
  DriverDir dir;
  dir.Add("good", "good.so");
  dir.Add("other", "other.so");
  dir.Add("wrong_major", "wrong_major.so");
  dir.Add("no_entry", "no_entry.so");
  DriverRegistry registry;
  std::vector<Error> problems;
  REQUIRE(registry.LoadDirectory(dir.path(), &problems, Policy()).has_value());
  // Two good drivers: each is its own library, not the first one loaded again.
  CHECK(registry.Names() == std::vector<std::string>{"good", "other"});
  REQUIRE(problems.size() == 2);
  CHECK(registry.LoadDirectory("/nonexistent/cityedge-drivers", &problems, Policy()).has_value());
}

TEST_CASE("A good external driver loads, shows its schema and emits readings") {
  DriverDir dir;
  dir.Add("good", "good.so");
  DriverRegistry registry;
  auto type = LoadExternalDriver(dir.path(), "good.so", Policy());
  REQUIRE(type.has_value());
  CHECK((*type)->version() == "0.0.1");
  REQUIRE((*type)->schema().size() == 3);
  CHECK((*type)->schema()[2].type == config::SettingType::kDuration);
  REQUIRE(registry.Add(*type).has_value());

  fakes::RecordingSink sink;
  testing::RecordingSamples samples;
  DriverHost host(registry, sink, clock::Default());
  host.AddSampleListener(&samples);
  v1::DriverInstance instance;
  instance.set_id("ext1");
  instance.set_type("good");
  instance.set_enabled(true);
  instance.set_publish(true);
  REQUIRE(host.StartInstance(instance).has_value());
  CHECK(sink.WaitFor([](const auto& e) { return testing::CountReadings(e, "ext1") >= 3; }));
  REQUIRE(host.StopInstance("ext1").has_value());
  const auto readings = sink.Readings("ext1");
  REQUIRE(readings.size() >= 3);
  CHECK(readings[0].channel() == "level");
  CHECK(readings[0].unit() == "m");
  CHECK(readings[1].value() == readings[0].value() + 1);
  CHECK(samples.Channels().size() >= readings.size());
  const auto statuses = sink.Statuses("ext1");
  REQUIRE_FALSE(statuses.empty());
  CHECK(statuses.back().state() == v1::COMPONENT_STATE_STOPPED);
}

TEST_CASE("A driver built against ABI 1.1 still loads and runs") {
  DriverDir dir;
  dir.Add("abi_1_1", "abi_1_1.so");
  DriverRegistry registry;
  auto type = LoadExternalDriver(dir.path(), "abi_1_1.so", Policy());
  REQUIRE(type.has_value());
  // Its setting entries are smaller than 1.2's; read at their own stride.
  REQUIRE((*type)->schema().size() == 3);
  CHECK((*type)->schema()[1].allowed == std::vector<std::string>{"fast", "slow"});
  CHECK((*type)->schema()[2].type == config::SettingType::kDuration);
  CHECK((*type)->schema()[2].fields.empty());
  REQUIRE(registry.Add(*type).has_value());

  fakes::RecordingSink sink;
  DriverHost host(registry, sink, clock::Default());
  v1::DriverInstance instance;
  instance.set_id("old1");
  instance.set_type("abi_1_1");
  instance.set_enabled(true);
  instance.set_publish(true);
  REQUIRE(host.StartInstance(instance).has_value());
  CHECK(sink.WaitFor([](const auto& e) { return testing::CountReadings(e, "old1") >= 2; }));
  REQUIRE(host.StopInstance("old1").has_value());
}

}  // namespace
}  // namespace cityedge::host
