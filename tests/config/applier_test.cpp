// SPDX-License-Identifier: Apache-2.0
// Config apply and roll back against a real config file and a runtime that
// records what it is told to stop and start.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/config/applier.hpp"
#include "tests/config/fake_registry.hpp"

namespace cityedge::config {
namespace {

namespace fs = std::filesystem;

std::string ConfigWith(const std::string& drivers, const std::string& journal = "j.db") {
  return "gateway:\n  id: gw1\nuplink:\n  brokers: [tcp://localhost:1883]\njournal:\n  path: " +
         journal + "\n" + drivers;
}

std::string Driver(const std::string& id) {
  return "drivers:\n  - id: " + id + "\n    type: replay\n    settings: {path: /tmp/x.csv}\n";
}

// "start <driver ids>" and "stop"; a start of a config holding driver `bad`
// fails, as a driver that cannot reach its device does.
class RecordingRuntime final : public Runtime {
 public:
  void Stop() override { calls.push_back("stop"); }
  Status Start(const v1::Config& config) override {
    std::string call = "start";
    bool fail = false;
    for (const auto& d : config.drivers()) {
      call += " " + d.id();
      fail = fail || d.id() == fail_driver;
    }
    calls.push_back(call);
    if (fail || fail_all) return MakeError(Code::kUnavailable, "driver cannot start");
    return OkStatus();
  }
  std::vector<std::string> calls;
  std::string fail_driver = "bad";
  bool fail_all = false;
};

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "applier-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() { fs::remove_all(path_); }
  [[nodiscard]] std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string FileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

struct Bench {
  explicit Bench(const std::string& yaml = ConfigWith(Driver("t1"))) {
    path = dir.File("cityedged.yaml");
    WriteText(path, yaml);
    Loaded loaded = LoadConfigText(yaml, path, registry);
    REQUIRE(loaded.ok());
    first_hash = loaded.hash;
    applier = std::make_unique<Applier>(path, yaml, std::move(loaded), registry, runtime);
  }
  ScratchDir dir;
  testing::FakeRegistry registry;
  RecordingRuntime runtime;
  std::string path;
  std::string first_hash;
  std::unique_ptr<Applier> applier;
};

TEST_CASE("A new config replaces the running one and its file") {
  Bench b;
  const std::string next = ConfigWith(Driver("t2"));
  auto applied = b.applier->Apply(next, b.first_hash);
  REQUIRE(applied.has_value());
  CHECK(*applied != b.first_hash);
  CHECK(b.runtime.calls == std::vector<std::string>{"stop", "start t2"});
  CHECK(b.applier->Current().hash == *applied);
  CHECK(b.applier->CurrentText() == std::make_pair(next, *applied));
  CHECK(FileText(b.path) == next);
  // The same config again changes nothing.
  auto again = b.applier->Apply(next, "");
  REQUIRE(again.has_value());
  CHECK(*again == *applied);
  CHECK(b.runtime.calls.size() == 2);
}

TEST_CASE("Apply refuses, without touching anything, what it must not run") {
  Bench b;
  const std::string before = FileText(b.path);
  SECTION("a stale expected hash") {
    auto r = b.applier->Apply(ConfigWith(Driver("t2")), std::string(64, 'a'));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == Code::kFailedPrecondition);
    CHECK_THAT(r.error().message(), Catch::Contains("changed since it was read"));
  }
  SECTION("a section only a restart can change") {
    auto r = b.applier->Apply(ConfigWith(Driver("t2"), "other.db"), "");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == Code::kFailedPrecondition);
    CHECK_THAT(r.error().message(),
               Catch::Contains("journal cannot change while running") && Catch::Contains(b.path));
  }
  SECTION("an invalid config, with every problem") {
    auto r = b.applier->Apply(ConfigWith(Driver("t2")) + "bogus: 1\nother: 2\n", "");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == Code::kInvalidArgument);
    CHECK_THAT(r.error().message(), Catch::StartsWith("2 configuration problem(s):") &&
                                        Catch::Contains("bogus") && Catch::Contains("other"));
  }
  CHECK(b.runtime.calls.empty());
  CHECK(b.applier->Current().hash == b.first_hash);
  CHECK(FileText(b.path) == before);
}

TEST_CASE("A config that fails to start is rolled back; the file keeps the running one") {
  Bench b;
  const std::string before = FileText(b.path);
  auto r = b.applier->Apply(ConfigWith(Driver("bad")), "");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == Code::kFailedPrecondition);
  CHECK_THAT(r.error().message(), Catch::Contains("rolled back to " + b.first_hash.substr(0, 12)) &&
                                      Catch::Contains("driver cannot start"));
  CHECK(b.runtime.calls == std::vector<std::string>{"stop", "start bad", "stop", "start t1"});
  CHECK(b.applier->Current().hash == b.first_hash);
  CHECK(FileText(b.path) == before);
}

TEST_CASE("When the previous config does not start again either, the error says restart") {
  Bench b;
  b.runtime.fail_all = true;
  auto r = b.applier->Apply(ConfigWith(Driver("t2")), "");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == Code::kInternal);
  CHECK_THAT(r.error().message(),
             Catch::Contains("did not start again") && Catch::Contains("restart the daemon"));
  CHECK(b.applier->Current().hash == b.first_hash);
}

TEST_CASE("A config that cannot be stored is rolled back too") {
  Bench b;
  // The config file's folder is gone: the new file cannot be written, so a
  // reboot would not run it; it must not run now either.
  fs::remove_all(fs::path(b.path).parent_path());
  auto r = b.applier->Apply(ConfigWith(Driver("t2")), "");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == Code::kFailedPrecondition);
  CHECK_THAT(r.error().message(), Catch::Contains("rolled back"));
  CHECK(b.runtime.calls == std::vector<std::string>{"stop", "start t2", "stop", "start t1"});
  CHECK(b.applier->Current().hash == b.first_hash);
}

}  // namespace
}  // namespace cityedge::config
