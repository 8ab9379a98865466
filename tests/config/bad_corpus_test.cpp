// SPDX-License-Identifier: Apache-2.0
// Every file under tests/config/bad/ is a malformed config. Its leading
// "# expect: LINE:COLUMN: FRAGMENT" lines list exactly the problems the loader
// must report, each as "NAME.yaml:LINE:COLUMN: FRAGMENT..." in one run. The
// files in bad/cityedged/ need the real plugins' schemas; daemon_test checks
// them, in the same format, by running cityedged --check-config.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/config/loader.hpp"
#include "tests/config/fake_registry.hpp"

namespace cityedge::config {
namespace {

namespace fs = std::filesystem;

fs::path BadDir() {
  const char* source = std::getenv("CITYEDGE_SOURCE_DIR");
  REQUIRE(source != nullptr);
  return fs::path(source) / "tests/config/bad";
}

std::vector<std::string> Expectations(const std::string& text) {
  std::vector<std::string> expects;
  std::istringstream in(text);
  const std::string prefix = "# expect: ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) expects.push_back(line.substr(prefix.size()));
  }
  return expects;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("Every malformed config reports exactly its expected problems") {
  const testing::FakeRegistry registry;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(BadDir())) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 25);
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    const std::vector<std::string> expects = Expectations(ReadFile(file));
    const Loaded loaded = LoadConfigFile(file.string(), registry);
    std::ostringstream printed;
    const int exit_code = ReportProblems(loaded, printed);
    INFO(name << " reported:\n" << printed.str());
    REQUIRE_FALSE(expects.empty());
    CHECK(exit_code == kExitConfig);
    CHECK(loaded.hash.empty());
    CHECK(loaded.problems.size() == expects.size());
    for (const std::string& expect : expects) {
      INFO("expected: " << expect);
      // The whole "file:line:column: path: message" prefix must match.
      CHECK(printed.str().find(file.string() + ":" + expect) != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace cityedge::config
