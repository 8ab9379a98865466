// SPDX-License-Identifier: Apache-2.0
// The serial side over pseudo-terminals: SerialLine against bytes the test
// writes on the master side, and the whole driver, through its descriptor
// and a fake host, against the bus simulator (sdi12_sim.py).
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "drivers/sdi12/serial_line.hpp"
#include "tests/fakes/driver_host.hpp"
#include "tests/support/process.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_sdi12(uint32_t, uint32_t);

namespace cityedge::drivers::sdi12 {
namespace {

using std::chrono::seconds;

class Pty {
 public:
  Pty() {
    termios raw{};
    ::cfmakeraw(&raw);
    char name[256] = "";
    REQUIRE(::openpty(&master_, &slave_, name, &raw, nullptr) == 0);
    path_ = name;
  }
  ~Pty() {
    CloseMaster();
    if (slave_ >= 0) ::close(slave_);
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] int slave() const { return slave_; }
  void Write(std::string_view text) const {
    REQUIRE(::write(master_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  // What the line wrote, waiting up to 10 s for `size` bytes.
  std::string Read(std::size_t size) const {
    std::string out;
    for (int i = 0; i < 1000 && out.size() < size; ++i) {
      char buffer[64];
      const ssize_t n = ::read(master_, buffer, sizeof(buffer));
      if (n > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    return out;
  }
  void CloseMaster() {
    if (master_ >= 0) ::close(master_);
    master_ = -1;
  }

 private:
  int master_ = -1;
  int slave_ = -1;  // held open so the pty stays up while the line reopens
  std::string path_;
};

TEST_CASE("The line runs the port at 1200 baud and reads whole lines") {
  Pty pty;
  SerialLine line;
  REQUIRE(line.Open(pty.path()).has_value());
  termios tio{};
  REQUIRE(::tcgetattr(pty.slave(), &tio) == 0);
  // Linux keeps a pty at CS8 without parity whatever is asked (pty_set_termios),
  // so only the speed and the stop bits show here.
  CHECK((tio.c_cflag & CSTOPB) == 0);
  CHECK(::cfgetospeed(&tio) == B1200);
  CHECK(::cfgetispeed(&tio) == B1200);
  // A pty has no line to hold spacing; the break requests still succeed.
  CHECK(line.SetBreak(true).has_value());
  CHECK(line.SetBreak(false).has_value());

  REQUIRE(line.Write("0I!").has_value());
  CHECK(pty.Read(3) == "0I!");
  // Two lines at once: the second waits for the next read. Parity bits are dropped.
  pty.Write(
      "014ACME    LVL100110\r\n0\xB0"
      "0052\r\n");
  auto first = line.ReadLine(Micros(seconds(10)), Micros(seconds(10)));
  REQUIRE(first.has_value());
  CHECK(*first == std::optional<std::string>("014ACME    LVL100110"));
  auto second = line.ReadLine(Micros(seconds(10)), Micros(seconds(10)));
  REQUIRE(second.has_value());
  CHECK(*second == std::optional<std::string>("000052"));

  // Silence is no line; a line cut short is handed up as it is.
  auto silent = line.ReadLine(Micros(20'000), Micros(20'000));
  REQUIRE(silent.has_value());
  CHECK_FALSE(silent->has_value());
  pty.Write("0+1.5");
  auto partial = line.ReadLine(Micros(seconds(10)), Micros(300'000));
  REQUIRE(partial.has_value());
  CHECK(*partial == std::optional<std::string>("0+1.5"));

  // DiscardInput drops what was not read.
  pty.Write("0+9\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  line.DiscardInput();
  auto none = line.ReadLine(Micros(20'000), Micros(20'000));
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("Wake ends a pending read; a hung-up device is an error") {
  auto pty = std::make_unique<Pty>();
  SerialLine line;
  REQUIRE(line.Open(pty->path()).has_value());
  std::thread waker([&line] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    line.Wake();
  });
  auto woken = line.ReadLine(Micros(seconds(30)), Micros(seconds(30)));
  waker.join();
  REQUIRE_FALSE(woken.has_value());
  CHECK(woken.error().message == "woken");

  pty->CloseMaster();
  auto gone = line.ReadLine(Micros(seconds(10)), Micros(seconds(10)));
  REQUIRE_FALSE(gone.has_value());
  CHECK_THAT(gone.error().message, Catch::Contains("hung up") || Catch::Contains("end of file"));
}

TEST_CASE("Opening what is not a serial device names it") {
  SerialLine line;
  auto missing = line.Open("/nonexistent/ttyX");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == CE_DRIVER_RETRY);
  CHECK_THAT(missing.error().message, Catch::Contains("/nonexistent/ttyX"));
  auto not_tty = line.Open("/dev/null");
  REQUIRE_FALSE(not_tty.has_value());
  CHECK(not_tty.error().code == CE_DRIVER_FATAL);
  CHECK_THAT(not_tty.error().message, Catch::Contains("not a serial device /dev/null"));
}

using fakes::FakeDriverHost;
using fakes::RunningInstance;

// sdi12_sim.py on its own pty, with the bus file in a temp folder.
class Simulator {
 public:
  explicit Simulator(const std::string& json) {
    path_ = dir_.Join("bus.json");
    cityedge::testing::WriteFile(path_, json);
    auto process = cityedge::testing::Process::Spawn(
        {cityedge::testing::EnvOr("CITYEDGE_PYTHON", "/usr/bin/python3"),
         cityedge::testing::EnvOr("CITYEDGE_SOURCE_DIR", ".") + "/tests/drivers/sdi12/sdi12_sim.py",
         path_},
        true);
    REQUIRE(process.has_value());
    process_ = std::move(*process);
    const auto line = process_->ReadUntil("PTY ", std::chrono::seconds(20));
    REQUIRE(line.has_value());
    tty_ = line->substr(4);
  }
  [[nodiscard]] const std::string& tty() const { return tty_; }
  void Kill() { process_->Kill(); }

 private:
  cityedge::testing::TempDir dir_;
  std::string path_;
  std::optional<cityedge::testing::Process> process_;
  std::string tty_;
};

std::vector<std::pair<std::string, std::string>> Settings(const std::string& device) {
  return {{"device", device},
          {"poll_interval", "200"},
          {"response_timeout", "50"},
          {"sensors", "1"},
          {"sensors[0].address", "0"},
          {"sensors[0].command", "MC"},
          {"values", "2"},
          {"values[0].address", "0"},
          {"values[0].index", "0"},
          {"values[0].channel", "stage"},
          {"values[0].unit", "m"},
          {"values[0].scale", "0.001"},
          {"values[0].offset", "0"},
          {"values[1].address", "0"},
          {"values[1].index", "1"},
          {"values[1].channel", "temp"},
          {"values[1].unit", "degC"},
          {"values[1].scale", "1"},
          {"values[1].offset", "0"}};
}

TEST_CASE("The driver reads a sensor, and reports when it falls silent and when the bus goes") {
  Simulator sim(
      R"({"sensors": {"0": {"id": "14CITYEDGELVL100110", "seconds": 1, "service_request": 0.1,
          "values": [1234, 8.5], "bad_crc_every": 3}}})");
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_sdi12(CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR), host,
                         Settings(sim.tty()));
  REQUIRE(driver.Create().empty());
  driver.Start();
  REQUIRE(host.WaitFor([](const FakeDriverHost& h) { return h.CountChannel("temp") >= 3; }));
  for (const auto& r : host.readings()) {
    INFO(r.channel);
    CHECK(r.value == Approx(r.channel == "stage" ? 1.234 : 8.5));
    CHECK(r.unit == (r.channel == "stage" ? "m" : "degC"));
  }
  CHECK(host.LastState() == CE_DRIVER_HEALTH_ONLINE);
  CHECK_THAT(host.health().back().reason,
             Catch::Equals("sensor 0: CITYEDGE LVL100 v110 (SDI-12 1.4)"));
  CHECK(driver.ReadNow().empty());

  sim.Kill();  // the adapter unplugged
  REQUIRE(host.WaitFor(
      [](const FakeDriverHost& h) { return h.LastState() == CE_DRIVER_HEALTH_OFFLINE; }));
  CHECK(driver.Stop() == CE_DRIVER_RETRY);
  CHECK_FALSE(driver.error().empty());
  bool counted = false;
  for (const auto& line : host.logs()) {
    counted = counted || (line.find("bad CRC") != std::string::npos &&
                          line.find(" 0 bad CRC") == std::string::npos);
  }
  CHECK(counted);
}

TEST_CASE("With no sensor answering, health says so and a read is refused with the reason") {
  Simulator sim(R"({"sensors": {}})");
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_sdi12(CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR), host,
                         Settings(sim.tty()));
  REQUIRE(driver.Create().empty());
  driver.Start();
  REQUIRE(host.WaitFor(
      [](const FakeDriverHost& h) { return h.LastState() == CE_DRIVER_HEALTH_DEGRADED; }));
  CHECK(host.health().back().reason ==
        "1 of 1 sensors failing: sensor 0: no answer to 0I! after 9 sends");
  CHECK(driver.ReadNow() ==
        "no sensor answers: 1 of 1 sensors failing: sensor 0: no answer to 0I! after 9 sends");
  CHECK(host.readings().empty());
  CHECK(driver.Stop() == CE_DRIVER_OK);
}

}  // namespace
}  // namespace cityedge::drivers::sdi12
