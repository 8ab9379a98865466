// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <filesystem>

#include "daemon/uplink/session_store.hpp"
#include "tests/support/process.hpp"

namespace cityedge::uplink {
namespace {

using ::cityedge::testing::ReadFile;
using ::cityedge::testing::TempDir;
using ::cityedge::testing::WriteFile;

TEST_CASE("The session seq survives a save and a load; a missing file reads as 0") {
  TempDir dir;
  SessionStore store(dir.Join("uplink_session_seq"));
  auto empty = store.Load();
  REQUIRE(empty);
  CHECK(*empty == 0);
  REQUIRE(store.Save(41));
  REQUIRE(store.Save(42));
  CHECK(ReadFile(store.path()) == "42\n");
  auto loaded = store.Load();
  REQUIRE(loaded);
  CHECK(*loaded == 42);
  CHECK_FALSE(std::filesystem::exists(store.path() + ".tmp"));
}

TEST_CASE("A save that fails leaves no temporary file behind") {
  TempDir dir;
  // A folder where the file should be: the rename over it fails.
  SessionStore store(dir.Join("uplink_session_seq"));
  std::filesystem::create_directory(store.path());
  WriteFile(store.path() + "/keep", "x");
  const Status saved = store.Save(7);
  REQUIRE_FALSE(saved);
  CHECK(saved.error().message().starts_with("rename " + store.path() + ".tmp to " + store.path() +
                                            ": "));
  CHECK_FALSE(std::filesystem::exists(store.path() + ".tmp"));
}

TEST_CASE("A session seq file that does not hold a number says so") {
  TempDir dir;
  SessionStore store(dir.Join("uplink_session_seq"));
  WriteFile(store.path(), "12x\n");
  auto loaded = store.Load();
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code() == Code::kDataLoss);
  CHECK(loaded.error().message() ==
        "session seq file " + store.path() + " does not hold a number; remove it to start over");
}

}  // namespace
}  // namespace cityedge::uplink
