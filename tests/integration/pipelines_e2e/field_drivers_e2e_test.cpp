// SPDX-License-Identifier: Apache-2.0
// Field drivers end to end (issues 5 and 6): the real cityedged reads a Modbus
// TCP air-quality monitor (python3-pymodbus) and a PMS5003 particulate sensor
// on a pseudo-terminal; their readings and a threshold pipeline's alarms go
// through the journal and mosquitto to the independent platform subscriber.
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "drivers/pms5003/frame_decoder.hpp"
#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/platform.hpp"

namespace cityedge::testing::e2e {
namespace {

namespace pms = drivers::pms5003;

constexpr const char* kGateway = "field-gw-01";
constexpr auto kTimeout = std::chrono::seconds(60);
// The PMS5003 value carried by corrupted frames; it must never be reported.
constexpr std::uint16_t kCorruptPm25 = 999;

// air_quality_monitor.py on a run-time port; the values file sets what it
// measures.
class AirQualityMonitor {
 public:
  AirQualityMonitor(const std::string& dir, int port)
      : values_path_(dir + "/monitor-values"), port_(port) {}

  [[nodiscard]] Status Start(double pm2_5, double pm10) {
    Set(pm2_5, pm10);
    auto process = Process::Spawn({EnvOr("CITYEDGE_PYTHON", "/usr/bin/python3"),
                                   EnvOr("CITYEDGE_SOURCE_DIR", ".") +
                                       "/tests/integration/pipelines_e2e/air_quality_monitor.py",
                                   "--port", std::to_string(port_), "--values", values_path_},
                                  false);
    if (!process) return std::unexpected(process.error());
    process_ = std::move(*process);
    if (!WaitForPort(port_, std::chrono::seconds(20))) {
      return MakeError(Code::kUnavailable, "the Modbus server did not listen on {}", port_);
    }
    return OkStatus();
  }

  // Replaced by rename, so the server never reads half a file.
  void Set(double pm2_5, double pm10) const {
    const std::string next = values_path_ + ".next";
    std::ofstream(next) << pm2_5 << " " << pm10 << "\n";
    std::filesystem::rename(next, values_path_);
  }

 private:
  std::string values_path_;
  int port_;
  std::optional<Process> process_;
};

// A PMS5003 on the slave side of a pty: a thread writes a frame every 100 ms
// (the real sensor sends about one a second) with the current PM2.5, and
// between them line noise and, every fifth frame, a frame with a broken
// checksum.
class Pms5003OnPty {
 public:
  Pms5003OnPty() {
    termios raw{};
    cfmakeraw(&raw);
    char name[256] = "";
    REQUIRE(::openpty(&master_, &slave_, name, &raw, nullptr) == 0);
    path_ = name;
    ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
    writer_ = std::thread([this] { Feed(); });
  }
  ~Pms5003OnPty() {
    stop_ = true;
    writer_.join();
    ::close(master_);
    ::close(slave_);
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  void set_pm2_5(std::uint16_t value) { pm2_5_ = value; }
  [[nodiscard]] int corrupt_frames() const { return corrupt_frames_; }

 private:
  void Write(std::span<const std::uint8_t> bytes) const {
    // A full pty buffer (nobody reading yet) drops bytes, as a UART would.
    [[maybe_unused]] const ssize_t n = ::write(master_, bytes.data(), bytes.size());
  }

  void Feed() {
    for (int i = 0; !stop_; ++i) {
      pms::Measurement m;
      m.pm2_5_atmospheric = m.pm2_5_standard = pm2_5_;
      m.pm1_0_atmospheric = m.pm1_0_standard = static_cast<std::uint16_t>(pm2_5_ * 2 / 3);
      m.pm10_atmospheric = m.pm10_standard = static_cast<std::uint16_t>(pm2_5_ * 3 / 2);
      const std::uint8_t noise[] = {0x00, 0x4D, 0x13, 0x42, 0x7F};
      Write(std::span(noise).first(static_cast<std::size_t>(i % 5)));
      if (i % 5 == 4) {
        m.pm2_5_atmospheric = m.pm2_5_standard = kCorruptPm25;
        auto frame = pms::EncodeFrame(m);
        frame[pms::kFrameSize - 1] ^= 0x5A;
        Write(frame);
        ++corrupt_frames_;
      } else {
        Write(pms::EncodeFrame(m));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  int master_ = -1;
  int slave_ = -1;  // held open so the pty survives the driver reopening it
  std::string path_;
  std::atomic<std::uint16_t> pm2_5_{12};
  std::atomic<int> corrupt_frames_{0};
  std::atomic<bool> stop_{false};
  std::thread writer_;
};

std::string FieldConfig(const std::string& dir, const std::string& broker_uri, int modbus_port,
                        const std::string& tty) {
  return "gateway:\n"
         "  id: " +
         std::string(kGateway) +
         "\n"
         "journal:\n"
         "  path: journal.db\n"
         "uplink:\n"
         "  brokers: [\"" +
         broker_uri +
         "\"]\n"
         "  topic_prefix: cityedge\n"
         "  first_connect_delay_max: 0s\n"
         "  backoff_max: 2s\n"
         "  linger: 20ms\n"
         "control:\n"
         "  socket_path: " +
         dir +
         "/control.sock\n"
         "drivers:\n"
         "  - id: aqm1\n"
         "    type: modbus\n"
         "    settings:\n"
         "      transport: tcp\n"
         "      host: 127.0.0.1\n"
         "      port: " +
         std::to_string(modbus_port) +
         "\n"
         "      slave_id: 1\n"
         "      poll_interval: 200ms\n"
         "      reconnect_min: 100ms\n"
         "      reconnect_max: 1s\n"
         "      registers:\n"
         "        - \"channel=pm2_5 addr=0 fn=input type=f32 order=abcd unit=ug/m3\"\n"
         "        - \"channel=pm10 addr=2 fn=input type=f32 order=abcd unit=ug/m3\"\n"
         "  - id: pm1\n"
         "    type: pms5003\n"
         "    settings:\n"
         "      device: " +
         tty +
         "\n"
         "      values: atmospheric\n"
         "      counts: false\n"
         "pipelines:\n"
         "  - id: pm25_high\n"
         "    type: threshold\n"
         "    inputs: [aqm1/pm2_5, pm1/pm2_5]\n"
         "    settings:\n"
         "      high: 75\n"
         "      hysteresis: 10\n"
         "      debounce_samples: 3\n";
}

bool HasReading(const std::vector<ReceivedEvent>& events, const std::string& source,
                const std::string& channel, double value) {
  return std::any_of(events.begin(), events.end(), [&](const ReceivedEvent& r) {
    return r.event.source() == source && r.event.has_reading() &&
           r.event.reading().channel() == channel && r.event.reading().unit() == "ug/m3" &&
           std::abs(r.event.reading().value() - value) < 1e-3;
  });
}

std::vector<v1::ThresholdAlert> Alerts(const std::vector<ReceivedEvent>& events,
                                       const std::string& source) {
  std::vector<v1::ThresholdAlert> out;
  for (const ReceivedEvent& r : events) {
    if (r.event.source() != source || !r.event.has_threshold_alert()) continue;
    CHECK(r.event.priority() == v1::PRIORITY_CLASS_ALARM);
    CHECK(r.topic == std::string("cityedge/") + kGateway + "/events/alarm");
    out.push_back(r.event.threshold_alert());
  }
  return out;
}

bool AlertsAre(const std::vector<ReceivedEvent>& events, const std::string& source,
               std::size_t count) {
  return Alerts(events, source).size() == count;
}

TEST_CASE("Modbus and PMS5003 drivers -> threshold -> journal -> mosquitto -> platform") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  const std::string dump = dir.path() + "/platform.jsonl";
  auto platform =
      PlatformSubscriber::Start({"--port", std::to_string((*broker)->port()), "--gateway", kGateway,
                                 "--timeout", "600", "--dump", dump});
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));

  const int modbus_port = FreeLoopbackPort();
  AirQualityMonitor monitor(dir.path(), modbus_port);
  REQUIRE(monitor.Start(20.5, 31.25));
  Pms5003OnPty sensor;

  auto gateway = Gateway::Start(
      dir.path(), FieldConfig(dir.path(), (*broker)->uri(), modbus_port, sensor.path()));
  REQUIRE(gateway.has_value());
  DumpReader reader(dump);
  auto events = [&reader] { return reader.Distinct(); };
  const auto require_until = [&](const std::function<bool()>& done, const char* what) {
    if (!PollUntil(reader, done, kTimeout))
      FAIL(what << "; cityedged log:\n" << gateway->LogTail());
  };

  // Clean air: readings of both drivers arrive, decoded, with units.
  require_until(
      [&] {
        const auto e = events();
        return HasReading(e, "aqm1", "pm2_5", 20.5) && HasReading(e, "aqm1", "pm10", 31.25) &&
               HasReading(e, "pm1", "pm2_5", 12);
      },
      "readings of both drivers");
  CHECK(Alerts(events(), "aqm1/pm25_high").empty());
  CHECK(Alerts(events(), "pm1/pm25_high").empty());

  // A technician calibrating: `cityedge read` gives each sensor's value now.
  const auto cli = [&](std::vector<std::string> args) {
    std::vector<std::string> command = {EnvOr("CITYEDGE_CLI", "cityedge"), "--socket",
                                        dir.path() + "/control.sock"};
    command.insert(command.end(), args.begin(), args.end());
    return Run(WithEmulator(command), std::chrono::seconds(30));
  };
  RunResult read = cli({"read", "aqm1"});
  CHECK(read.status == 0);
  CHECK_THAT(read.output, Catch::Contains("pm2_5=20.5") && Catch::Contains("pm10=31.25") &&
                              Catch::Contains("ug/m3"));
  read = cli({"--json", "read", "pm1"});
  CHECK(read.status == 0);
  CHECK_THAT(read.output, Catch::Contains("\"source\":\"pm1\"") &&
                              Catch::Contains("\"channel\":\"pm2_5\"") &&
                              Catch::Contains("\"value\":12"));

  // Both sensors see a pollution episode: one alarm each.
  monitor.Set(150.5, 210);
  sensor.set_pm2_5(180);
  require_until(
      [&] {
        return AlertsAre(events(), "aqm1/pm25_high", 1) && AlertsAre(events(), "pm1/pm25_high", 1);
      },
      "both alarms raised");
  for (const char* source : {"aqm1/pm25_high", "pm1/pm25_high"}) {
    const v1::ThresholdAlert raised = Alerts(events(), source).front();
    INFO(source);
    CHECK(raised.kind() == v1::ThresholdAlert::KIND_HIGH);
    CHECK(raised.state() == v1::ALERT_STATE_RAISED);
    CHECK(raised.channel() == "pm2_5");
    CHECK(raised.limit() == Approx(75));
    CHECK(raised.value() == Approx(std::string(source).starts_with("aqm1") ? 150.5 : 180));
    CHECK(raised.since_unix_ns() > 0);
  }

  // The air clears: each alarm clears once.
  monitor.Set(18, 27);
  sensor.set_pm2_5(15);
  require_until(
      [&] {
        return AlertsAre(events(), "aqm1/pm25_high", 2) && AlertsAre(events(), "pm1/pm25_high", 2);
      },
      "both alarms cleared");
  CHECK(Alerts(events(), "aqm1/pm25_high").back().state() == v1::ALERT_STATE_CLEARED);
  CHECK(Alerts(events(), "pm1/pm25_high").back().state() == v1::ALERT_STATE_CLEARED);
  CHECK(Alerts(events(), "aqm1/pm25_high").back().value() == Approx(18));
  CHECK(Alerts(events(), "pm1/pm25_high").back().value() == Approx(15));

  // Every journaled seq up to the newest delivered one is at the platform
  // (checked while running: at stop the newest rows may stay in the journal).
  require_until([&] { return UnaccountedSeqs(events()).empty(); }, "every seq delivered");

  REQUIRE(gateway->Stop(std::chrono::seconds(15)) == 0);
  REQUIRE(PollUntil(
      reader,
      [&] {
        return std::any_of(reader.states().begin(), reader.states().end(), [](const auto& s) {
          return s.status() == v1::GatewayState::STATUS_OFFLINE;
        });
      },
      std::chrono::seconds(15)));
  const auto distinct = events();
  // Corrupted frames were dropped by the driver, never reported as values.
  CHECK(sensor.corrupt_frames() > 0);
  CHECK_FALSE(HasReading(distinct, "pm1", "pm2_5", kCorruptPm25));
  auto summary = platform->Stop(std::chrono::seconds(15));
  REQUIRE(summary.has_value());
  CHECK(summary->decode_errors == 0);
  INFO(summary->json);
  CHECK(summary->image_payloads == 0);  // no pixels left the box
}

}  // namespace
}  // namespace cityedge::testing::e2e
