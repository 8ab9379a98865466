// SPDX-License-Identifier: Apache-2.0
// `cityedge doctor` against faults made real, one test each: the daemon's
// clock below its floor (libfaketime boots it at 1970), a Modbus server gone
// (python3-pymodbus, killed) and the journal's disk nearly full (a small
// tmpfs, filled). Each must name the problem and the next step, and exit 1.
// The broker down, TLS faults and a healthy box are in cli_it_test.cpp.
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_support.hpp"
#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/support/process.hpp"

namespace cityedge::testing {
namespace {

using e2e::Gateway;
using namespace cli_it;
using namespace std::chrono_literals;

// Starts the replay bench against a local broker and waits until it is
// connected; `journal` replaces the config's journal line when given.
struct Bench {
  TempDir dir;
  std::unique_ptr<Mosquitto> broker;

  Bench() {
    auto started = Mosquitto::Start(dir.path(), {});
    REQUIRE(started);
    broker = std::move(*started);
    WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
  }

  [[nodiscard]] std::string Config(const std::string& more_drivers = "",
                                   const std::string& journal = "") const {
    std::string config =
        cli_it::Config(dir.path(), broker->uri(), "", ReplayDrivers(dir.path()) + more_drivers);
    if (!journal.empty()) REQUIRE(e2e::ReplaceAll(config, "journal: {path: journal.db}", journal));
    return config;
  }
};

TEST_CASE("doctor: the clock below its floor") {
  if (!EnvOr("CITYEDGE_EMULATOR", "").empty()) {
    WARN(
        "under qemu-user the daemon's clock reads are emulated syscalls, which libfaketime "
        "cannot shift: skipped");
    return;
  }
  const std::string lib = EnvOr("CITYEDGE_LIBFAKETIME", "");
  if (lib.empty() || !std::filesystem::exists(lib)) {
    WARN("libfaketime missing (scripts/install-deps.sh installs faketime): skipped");
    return;
  }
  Bench bench;
  const TempDir& dir = bench.dir;
  // An earlier run, synchronised, left its last good time: now. The daemon
  // boots at 1970 (on 2 January in every time zone), as a box without an RTC
  // battery does.
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  WriteFile(dir.Join("clock_floor"), std::to_string(now_ns) + "\n");
  WriteFile(dir.Join("faketime"), "@1970-01-02 12:00:00\n");
  Gateway gateway = StartGateway(dir.path(), bench.Config(),
                                 {{"LD_PRELOAD", lib},
                                  {"FAKETIME_TIMESTAMP_FILE", dir.Join("faketime")},
                                  {"FAKETIME_NO_CACHE", "1"},
                                  {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}});
  const RunResult status = Cli(dir.path(), {"status"});
  INFO(status.output);
  CHECK_THAT(status.output, Catch::Contains("clock_wall") && Catch::Contains("1970-01-02T"));

  // The bench trusts an unsynchronised clock (control.trust_unsynced_clock):
  // a clock below its floor is wrong all the same.
  const RunResult r = Doctor(dir.path());
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("FAIL  clock"));
  CHECK_THAT(r.output, Catch::Contains("the wall clock reads 1970-01-02T") &&
                           Catch::Contains(", below its floor 20"));
  CHECK_THAT(r.output, Catch::Contains("capture times are wrong"));
  CHECK_THAT(r.output, Catch::Contains("-> set the clock: get NTP working"));
  const RunResult json = Doctor(dir.path(), true);
  CHECK(json.status == 1);
  CHECK_THAT(json.output, Catch::Contains("{\"name\":\"clock\",\"verdict\":\"fail\",\"finding\":"
                                          "\"the wall clock reads 1970-01-02T"));
  CHECK_THAT(json.output, Catch::Contains("\"next_step\":\"set the clock: get NTP working"));
}

TEST_CASE("doctor: a Modbus server gone") {
  if (EnvOr("CITYEDGE_MODBUS_DRIVER", "") != "1") {
    WARN("this build has no modbus driver (CITYEDGE_DRIVER_MODBUS=OFF): skipped");
    return;
  }
  Bench bench;
  const TempDir& dir = bench.dir;
  const int port = FreeLoopbackPort();
  // tests/drivers/modbus/modbus_server.py serves unit 7; holding register 0
  // holds 1234.
  auto server =
      Process::Spawn({EnvOr("CITYEDGE_PYTHON", "/usr/bin/python3"),
                      EnvOr("CITYEDGE_SOURCE_DIR", ".") + "/tests/drivers/modbus/modbus_server.py",
                      "--tcp", std::to_string(port)},
                     false);
  REQUIRE(server);
  REQUIRE(WaitForPort(port, 20s));
  const std::string modbus = fmt::format(R"(  - id: noise1
    type: modbus
    settings:
      host: 127.0.0.1
      port: {}
      slave_id: 7
      poll_interval: 200ms
      reconnect_min: 100ms
      reconnect_max: 1s
      registers:
        - {{channel: noise, addr: 0, scale: 0.1, unit: dB}}
)",
                                         port);
  Gateway gateway = StartGateway(dir.path(), bench.Config(modbus));
  REQUIRE(StatusShows(dir.path(), "connected to tcp"));
  const RunResult healthy = DoctorUntil(dir.path(), "modbus online");
  INFO(healthy.output);
  REQUIRE(healthy.status == 0);

  server->Kill();
  // The first reason may be the lost link; then the refused connects name
  // the server.
  const RunResult r = DoctorUntil(dir.path(), fmt::format("127.0.0.1:{}", port));
  INFO(r.output);
  CHECK(r.status == 1);
  // Its state and last reason: the server's address, and that it retries.
  CHECK_THAT(r.output, Catch::Contains("FAIL  driver noise1  modbus OFFLINE: "));
  CHECK_THAT(r.output, Catch::Contains(fmt::format("127.0.0.1:{}", port)));
  CHECK_THAT(r.output, Catch::Contains("-> check that the Modbus device has power and answers"));
  CHECK_THAT(r.output, Catch::Contains("`cityedge read noise1` tries it now"));
  const RunResult json = Doctor(dir.path(), true);
  CHECK(json.status == 1);
  CHECK_THAT(json.output, Catch::Contains("{\"name\":\"driver noise1\",\"verdict\":\"fail\","
                                          "\"finding\":\"modbus OFFLINE: "));
}

// A tmpfs mounted at `path` for the life of the object.
class SmallTmpfs {
 public:
  SmallTmpfs(std::string path, const std::string& size) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    const std::string options = "size=" + size;
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  [[nodiscard]] std::uint64_t FreeBytes() const {
    struct statvfs st {};
    REQUIRE(::statvfs(path_.c_str(), &st) == 0);
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  }

  // Writes a file of zeros until `free` bytes are left (as near as pages go).
  void FillUntilFree(const std::string& name, std::uint64_t free) const {
    const std::uint64_t now = FreeBytes();
    REQUIRE(now > free);
    std::ofstream out(path_ + "/" + name, std::ios::binary | std::ios::app);
    const std::string chunk(64 * 1024, '\0');
    for (std::uint64_t left = now - free; left > 0 && out;) {
      const std::uint64_t n = std::min<std::uint64_t>(left, chunk.size());
      out.write(chunk.data(), static_cast<std::streamsize>(n));
      left -= n;
    }
    out.flush();
    REQUIRE(out);
  }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

TEST_CASE("doctor: the journal's disk nearly full, then below the journal's floor") {
  if (::geteuid() != 0) {
    WARN("mounting the small tmpfs for the journal needs root (CI runs as root): skipped");
    return;
  }
  Bench bench;
  const TempDir& dir = bench.dir;
  const std::string journal_dir = dir.Join("journal");
  SmallTmpfs tmpfs(journal_dir, "8m");
  INFO("mount -t tmpfs " << journal_dir << ": " << tmpfs.error());
  REQUIRE(tmpfs.mounted());
  // A 1 MiB floor and a WAL kept small, so the journal fits the 8 MiB.
  constexpr std::uint64_t kMiB = 1 << 20;
  const std::string journal = fmt::format(
      "journal: {{path: {}/journal.db, min_free_disk: 1MiB, wal_limit: 256KiB, "
      "history_bytes: 256KiB}}",
      journal_dir);
  Gateway gateway = StartGateway(dir.path(), bench.Config("", journal));
  REQUIRE(StatusShows(dir.path(), "connected to tcp"));

  SECTION("a few minutes of headroom above the floor") {
    // About 10 events/s: 1.5 MiB above the floor last minutes, not a day.
    tmpfs.FillUntilFree("filler", kMiB + 3 * kMiB / 2);
    const RunResult r = DoctorUntil(dir.path(), "FAIL  disk");
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("of which the journal keeps 1.0 MiB "
                                         "(journal.min_free_disk): "));
    CHECK_THAT(r.output, Catch::Contains(" h of headroom at "));
    CHECK_THAT(r.output, Catch::Contains("-> make room on the filesystem of " + journal_dir));
    CHECK_THAT(r.output, Catch::Contains("each eviction in a gap record"));
    const RunResult json = Doctor(dir.path(), true);
    CHECK(json.status == 1);
    CHECK_THAT(json.output, Catch::Contains("{\"name\":\"disk\",\"verdict\":\"fail\""));
    CHECK_THAT(json.output, Catch::Contains("\"next_step\":\"make room on the filesystem of"));
  }
  SECTION("below the floor the journal evicts, and doctor says so") {
    tmpfs.FillUntilFree("filler", kMiB / 2);
    const RunResult r = DoctorUntil(dir.path(), "below the journal's floor");
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("FAIL  disk"));
    CHECK_THAT(r.output, Catch::Contains("below the journal's floor of 1.0 MiB "
                                         "(journal.min_free_disk)"));
    CHECK_THAT(r.output, Catch::Contains("-> make room on the filesystem of " + journal_dir));
    // The daemon keeps running on the full disk.
    CHECK(Cli(dir.path(), {"status"}).status == 0);
  }
  (void)gateway.Stop(10s);
}

}  // namespace
}  // namespace cityedge::testing
