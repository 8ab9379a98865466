// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "daemon/health/system_stats.hpp"
#include "tests/support/process.hpp"

namespace cityedge::health {
namespace {

using cityedge::testing::TempDir;
using cityedge::testing::WriteFile;

TEST_CASE("eMMC life time estimates parse from their sysfs text") {
  auto wear = ParseLifeTime("0x01 0x02\n");
  REQUIRE(wear.has_value());
  CHECK(wear->est_a == 1);
  CHECK(wear->est_b == 2);
  auto exceeded = ParseLifeTime("0x0B 0x0a");
  REQUIRE(exceeded.has_value());
  CHECK(exceeded->est_a == 11);
  CHECK(exceeded->est_b == 10);
  CHECK(ParseLifeTime("0x00 0x00")->est_a == 0);  // not reported by the device
  CHECK_FALSE(ParseLifeTime(""));
  CHECK_FALSE(ParseLifeTime("0x01"));
  CHECK_FALSE(ParseLifeTime("0x01 0x02 0x03"));
  CHECK_FALSE(ParseLifeTime("1 2"));
  CHECK_FALSE(ParseLifeTime("0x0C 0x01"));  // reserved code
  CHECK_FALSE(ParseLifeTime("0x 0x01"));
  CHECK_FALSE(ParseLifeTime("0x1g 0x01"));
}

TEST_CASE("Storage wear is read from every mmc card under an injected sysfs root") {
  TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.Join("mmc_host/mmc0/mmc0:0001"));
  fs::create_directories(dir.Join("mmc_host/mmc1/mmc1:aaaa"));
  fs::create_directories(dir.Join("mmc_host/mmc2/mmc2:0007"));
  fs::create_directories(dir.Join("mmc_host/mmc0/power"));
  WriteFile(dir.Join("mmc_host/mmc1/mmc1:aaaa/life_time"), "0x03 0x0B\n");
  WriteFile(dir.Join("mmc_host/mmc0/mmc0:0001/life_time"), "0x01 0x02\n");
  WriteFile(dir.Join("mmc_host/mmc2/mmc2:0007/life_time"), "garbage\n");  // skipped
  const auto wear = ReadStorageWear(dir.path());
  REQUIRE(wear.size() == 2);
  CHECK(wear[0] == StorageWear{"mmc0:0001", 1, 2});
  CHECK(wear[1] == StorageWear{"mmc1:aaaa", 3, 11});
  CHECK(ReadStorageWear(dir.Join("absent")).empty());
}

TEST_CASE("CPU time is counted from the fields after the command name") {
  // Field 2 holds spaces and a ')' of its own; utime 250 and stime 50 ticks.
  const std::string stat =
      "1234 (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 0 0";
  auto seconds = ParseCpuSeconds(stat, 100);
  REQUIRE(seconds.has_value());
  CHECK(*seconds == Approx(3.0));
  CHECK_FALSE(ParseCpuSeconds("1234 (x) S 1 2", 100));
  CHECK_FALSE(ParseCpuSeconds("no parenthesis", 100));
}

TEST_CASE("The running process reports its CPU time, RSS and disk free") {
  auto cpu = ReadCpuSeconds();
  REQUIRE(cpu.has_value());
  CHECK(*cpu >= 0);
  auto rss = ReadRssBytes();
  REQUIRE(rss.has_value());
  CHECK(*rss > 1024 * 1024);
  TempDir dir;
  auto free = DiskFreeBytes(dir.path());
  REQUIRE(free.has_value());
  CHECK(*free > 0);
  CHECK_FALSE(DiskFreeBytes(dir.Join("absent")));
  WriteFile(dir.Join("stat"), "1 (x) S 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 0 0\n");
  WriteFile(dir.Join("statm"), "100 25 3 1 0 20 0\n");
  CHECK(*ReadCpuSeconds(dir.path()) > 0);
  CHECK(*ReadRssBytes(dir.path()) == 25u * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
}

}  // namespace
}  // namespace cityedge::health
