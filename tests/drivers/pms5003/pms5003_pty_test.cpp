// SPDX-License-Identifier: Apache-2.0
// The serial path end to end over a pseudo-terminal pair: the test writes to
// the master side exactly what a PMS5003 would put on the wire, the driver
// reads the slave side as it would read /dev/ttyAMA0.
#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <random>

#include <fmt/format.h>

#include "drivers/pms5003/frame_decoder.hpp"
#include "drivers/pms5003/serial_port.hpp"
#include "tests/fakes/driver_host.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_pms5003(uint32_t, uint32_t);

namespace cityedge::drivers::pms5003 {
namespace {

class Pty {
 public:
  Pty() {
    char name[256] = "";
    REQUIRE(::openpty(&master_, &slave_, name, nullptr, nullptr) == 0);
    path_ = name;
  }
  ~Pty() {
    CloseMaster();
    if (slave_ >= 0) ::close(slave_);
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  void Write(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(master_, bytes.data(), bytes.size());
      REQUIRE(n > 0);
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
  }
  void CloseMaster() {
    if (master_ >= 0) ::close(master_);
    master_ = -1;
  }

 private:
  int master_ = -1;
  int slave_ = -1;  // held open so the pty stays up between reader opens
  std::string path_;
};

Measurement Make(std::uint16_t i) {
  Measurement m;
  m.pm1_0_standard = static_cast<std::uint16_t>(10 + i);
  m.pm2_5_standard = static_cast<std::uint16_t>(20 + i);
  m.pm10_standard = static_cast<std::uint16_t>(30 + i);
  m.pm1_0_atmospheric = static_cast<std::uint16_t>(11 + i);
  m.pm2_5_atmospheric = static_cast<std::uint16_t>(21 + i);
  m.pm10_atmospheric = static_cast<std::uint16_t>(31 + i);
  m.counts = {static_cast<std::uint16_t>(1000 + i), 500, 100, 10, 2, 1};
  return m;
}

// Good frames with garbage, corrupted frames and bad lengths between them.
struct Stream {
  std::vector<std::uint8_t> bytes;
  int good = 0;
  int bad_checksum = 0;
  int bad_length = 0;
};

Stream BuildStream(int frames) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> noise(0, 255);
  Stream s;
  for (int i = 0; i < frames; ++i) {
    for (int n = i % 7; n > 0; --n) {
      const auto b = static_cast<std::uint8_t>(noise(rng));
      s.bytes.push_back(b == 0x42 ? 0x00 : b);
    }
    auto frame = EncodeFrame(Make(static_cast<std::uint16_t>(i)));
    if (i % 5 == 3) {
      frame[8 + i % 20] ^= 0x10;  // a flipped bit in the data
      ++s.bad_checksum;
    } else {
      ++s.good;
    }
    s.bytes.insert(s.bytes.end(), frame.begin(), frame.end());
    if (i % 9 == 4) {
      const std::uint8_t bad[] = {0x42, 0x4D, 0x00, 0x20};
      s.bytes.insert(s.bytes.end(), std::begin(bad), std::end(bad));
      ++s.bad_length;
    }
  }
  return s;
}

TEST_CASE("Over a pty every good frame decodes and every bad one is counted") {
  Pty pty;
  SerialPort port;
  REQUIRE(port.Open(pty.path(), 9600).has_value());
  const Stream stream = BuildStream(200);
  pty.Write(stream.bytes);

  FrameDecoder decoder;
  std::vector<Measurement> out;
  std::array<std::uint8_t, 64> buffer{};
  std::size_t received = 0;
  while (received < stream.bytes.size()) {
    auto n = port.Read(buffer, std::chrono::seconds(10));
    REQUIRE(n.has_value());
    REQUIRE(*n > 0);  // 0 means the bytes never arrived
    received += *n;
    decoder.Feed(std::span(buffer).first(*n), out);
  }
  REQUIRE(static_cast<int>(out.size()) == stream.good);
  CHECK(decoder.stats().bad_checksum == static_cast<std::uint64_t>(stream.bad_checksum));
  CHECK(decoder.stats().bad_length == static_cast<std::uint64_t>(stream.bad_length));
  int expect = 0;
  for (const Measurement& m : out) {
    if (expect % 5 == 3) ++expect;
    CHECK(m == Make(static_cast<std::uint16_t>(expect)));
    ++expect;
  }
}

TEST_CASE("Opening something that is not a serial device fails with the path") {
  SerialPort port;
  auto missing = port.Open("/nonexistent/ttyX", 9600);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == CE_DRIVER_RETRY);
  CHECK_THAT(missing.error().message, Catch::Contains("/nonexistent/ttyX"));
  auto not_tty = port.Open("/dev/null", 9600);
  REQUIRE_FALSE(not_tty.has_value());
  CHECK(not_tty.error().code == CE_DRIVER_FATAL);
  CHECK_THAT(not_tty.error().message, Catch::Contains("not a serial device /dev/null"));
  CHECK_FALSE(port.Open("/dev/null", 12345).has_value());
}

using fakes::FakeDriverHost;
using fakes::RunningInstance;

using Settings = std::vector<std::pair<std::string, std::string>>;

Settings DriverSettings(const std::string& device, const char* baud, const char* values,
                        const char* counts, const char* read_timeout) {
  return {{"device", device},
          {"baud", baud},
          {"values", values},
          {"counts", counts},
          {"read_timeout", read_timeout}};
}

// Waits until the driver's latest health report is `state`.
bool Reaches(FakeDriverHost& host, ce_driver_health state) {
  return host.WaitFor([state](const FakeDriverHost& h) { return h.LastState() == state; });
}

TEST_CASE("The driver emits readings, reports silence and garbage, and counts bad frames") {
  Pty pty;
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_pms5003(1, 0), host,
                         DriverSettings(pty.path(), "9600", "atmospheric", "true", "500"));
  REQUIRE(driver.Create().empty());
  driver.Start();

  // Silence first: degraded, and the reason says no data arrived.
  REQUIRE(Reaches(host, CE_DRIVER_HEALTH_DEGRADED));
  CHECK_THAT(host.health().back().reason, Catch::Contains("no data from " + pty.path()));

  const Stream stream = BuildStream(50);
  pty.Write(stream.bytes);
  // count_10 is the last channel of each frame: once it reaches the count, every frame is whole.
  REQUIRE(host.WaitFor([&](const FakeDriverHost& h) {
    return h.CountChannel("count_10") == static_cast<std::size_t>(stream.good);
  }));
  CHECK(host.LastState() == CE_DRIVER_HEALTH_ONLINE);
  CHECK(host.CountChannel("pm1_0") == static_cast<std::size_t>(stream.good));
  CHECK(host.CountChannel("pm2_5") == static_cast<std::size_t>(stream.good));
  CHECK(host.readings().front().channel == "pm1_0");
  CHECK(host.readings().front().value == Make(0).pm1_0_atmospheric);
  CHECK(host.readings().front().unit == "ug/m3");

  // Garbage only: degraded again, and the reason says bytes came but no frame.
  std::vector<std::uint8_t> garbage(600, 0x55);
  pty.Write(garbage);
  REQUIRE(Reaches(host, CE_DRIVER_HEALTH_DEGRADED));
  CHECK_THAT(host.health().back().reason, Catch::Contains("no valid frame"));

  CHECK(driver.Stop() == CE_DRIVER_OK);
  const std::string summary = fmt::format("frames: {} good, {} bad checksum, {} bad length",
                                          stream.good, stream.bad_checksum, stream.bad_length);
  bool found = false;
  for (const auto& line : host.logs()) found = found || line.find(summary) != std::string::npos;
  CHECK(found);
}

TEST_CASE("A calibration read is answered by the next frame, and refused while none comes") {
  Pty pty;
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_pms5003(1, 0), host,
                         DriverSettings(pty.path(), "9600", "atmospheric", "false", "500"));
  REQUIRE(driver.Create().empty());
  driver.Start();
  REQUIRE(Reaches(host, CE_DRIVER_HEALTH_DEGRADED));
  CHECK_THAT(driver.ReadNow(),
             Catch::Contains("no data from " + pty.path()) && Catch::Contains("check wiring"));

  // Frames flowing: a read is accepted, and the sensor's next frame is the answer.
  bool online = false;
  for (int attempt = 0; attempt < 30 && !online; ++attempt) {
    pty.Write(EncodeFrame(Make(2)));
    online = host.WaitFor(
        [](const FakeDriverHost& h) { return h.LastState() == CE_DRIVER_HEALTH_ONLINE; },
        std::chrono::seconds(1));
  }
  REQUIRE(online);
  CHECK(driver.ReadNow().empty());
  const std::size_t before = host.CountChannel("pm10");
  pty.Write(EncodeFrame(Make(3)));
  REQUIRE(
      host.WaitFor([&](const FakeDriverHost& h) { return h.CountChannel("pm10") == before + 1; }));
  CHECK(host.readings().back().value == Make(3).pm10_atmospheric);

  // Garbage only: refused again, saying bytes come but no frame.
  pty.Write(std::vector<std::uint8_t>(600, 0x55));
  REQUIRE(Reaches(host, CE_DRIVER_HEALTH_DEGRADED));
  CHECK_THAT(driver.ReadNow(), Catch::Contains("no valid frame"));
  CHECK(driver.Stop() == CE_DRIVER_OK);
}

TEST_CASE("A vanished device ends the run with RETRY and offline health") {
  auto pty = std::make_unique<Pty>();
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_pms5003(1, 0), host,
                         DriverSettings(pty->path(), "9600", "standard", "false", "5000"));
  REQUIRE(driver.Create().empty());
  driver.Start();
  // The driver flushes input when it opens the port, so a frame written
  // before that is lost; keep sending until one gets through.
  bool received = false;
  for (int attempt = 0; attempt < 30 && !received; ++attempt) {
    pty->Write(EncodeFrame(Make(1)));
    received = host.WaitFor([](const FakeDriverHost& h) { return h.CountChannel("pm10") > 0; },
                            std::chrono::seconds(1));
  }
  REQUIRE(received);
  CHECK(host.readings()[2].value == Make(1).pm10_standard);
  CHECK(host.CountChannel("count_0_3") == 0);
  pty.reset();  // hang up both ends
  REQUIRE(Reaches(host, CE_DRIVER_HEALTH_OFFLINE));
  CHECK(driver.Stop() == CE_DRIVER_RETRY);
  CHECK_FALSE(driver.error().empty());
}

TEST_CASE("Bad settings are refused with the key named") {
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_pms5003(1, 0), host,
                         DriverSettings("/dev/ttyS0", "9601", "atmospheric", "true", "5000"));
  CHECK_THAT(driver.Create(), Catch::Contains("baud: 9601 is not a standard rate"));
  CHECK(ce_driver_entry_pms5003(2, 0) == nullptr);
}

}  // namespace
}  // namespace cityedge::drivers::pms5003
