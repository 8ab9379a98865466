// SPDX-License-Identifier: Apache-2.0
#include "sdi12_driver.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace cityedge::drivers::sdi12 {
namespace {

using std::chrono::milliseconds;

constexpr const char* kCommands[] = {"M",   "MC",  "C",   "CC",  "M1",   "M2",  "M3",  "M4",  "M5",
                                     "M6",  "M7",  "M8",  "M9",  "MC1",  "MC2", "MC3", "MC4", "MC5",
                                     "MC6", "MC7", "MC8", "MC9", "C1",   "C2",  "C3",  "C4",  "C5",
                                     "C6",  "C7",  "C8",  "C9",  "CC1",  "CC2", "CC3", "CC4", "CC5",
                                     "CC6", "CC7", "CC8", "CC9", nullptr};

// One sensor on the bus; sensor_map.hpp says how the two lists fit together.
constexpr std::array<ce_driver_setting_spec, 2> kSensorFields = {
    sdk::Setting("address", CE_DRIVER_SETTING_STRING,
                 "SDI-12 address: one character 0-9, A-Z or a-z; unique on the bus")
        .Required(),
    sdk::Setting("command", CE_DRIVER_SETTING_ENUM,
                 "Measurement command: M or MC (service request), C or CC (concurrent); a C "
                 "in second place asks for CRC-checked data; 1-9 selects an additional "
                 "measurement")
        .Default("M")
        .Allowed(kCommands),
};

// One value to report: which value of which sensor, as which channel.
constexpr std::array<ce_driver_setting_spec, 6> kValueFields = {
    sdk::Setting("address", CE_DRIVER_SETTING_STRING, "Address of a sensor in `sensors`")
        .Required(),
    sdk::Setting("index", CE_DRIVER_SETTING_INT,
                 "Position of the value in the sensor's answer, from 0 (below 9 for M, 99 for C)")
        .Required()
        .Min(0)
        .Max(98),
    sdk::Setting("channel", CE_DRIVER_SETTING_STRING,
                 "Reading channel: letters, digits, _, . and -; unique in the instance")
        .Required(),
    sdk::Setting("unit", CE_DRIVER_SETTING_STRING, "Unit of the reading, e.g. m, degC, mm"),
    sdk::Setting("scale", CE_DRIVER_SETTING_DOUBLE, "reading = value * scale + offset")
        .Default("1"),
    sdk::Setting("offset", CE_DRIVER_SETTING_DOUBLE, "Added after scaling").Default("0"),
};

constexpr std::array<ce_driver_setting_spec, 5> kSchema = {
    sdk::Setting("device", CE_DRIVER_SETTING_STRING,
                 "Serial device of the SDI-12 adapter, e.g. /dev/ttyUSB0 (1200 baud 7E1)")
        .Required(),
    sdk::Setting("sensors", CE_DRIVER_SETTING_TABLE_LIST,
                 "Sensors on the bus: one table per sensor (fields below)")
        .Required()
        .Min(1)
        .Max(62)
        .Fields(kSensorFields),
    sdk::Setting("values", CE_DRIVER_SETTING_TABLE_LIST,
                 "Value map: one table per reported value (fields below)")
        .Required()
        .Min(1)
        .Fields(kValueFields),
    sdk::Setting("poll_interval", CE_DRIVER_SETTING_DURATION,
                 "Time from the start of one measuring round to the next")
        .Default("60s")
        .Min(100)
        .Max(86400000)
        .Unit("ms"),
    // Capped so that a read, which also waits for up to 81 characters at
    // 1200 baud, ends before the host's 1 s stop deadline.
    sdk::Setting("response_timeout", CE_DRIVER_SETTING_DURATION,
                 "How long after a command a sensor may take to start answering: the spec's "
                 "15 ms plus the adapter's latency")
        .Default("100ms")
        .Min(15)
        .Max(250)
        .Unit("ms"),
};

// Time and waits from the host, so a stop request ends any wait.
class HostClock final : public Clock {
 public:
  explicit HostClock(const sdk::Host& host) : host_(host) {}
  std::chrono::steady_clock::time_point Now() override { return std::chrono::steady_clock::now(); }
  bool Wait(Micros duration) override {
    const auto ms = std::chrono::ceil<milliseconds>(duration).count();
    if (ms <= 0) return host_.ShouldStop();
    return host_.SleepMs(static_cast<std::uint32_t>(ms));
  }
  bool Stopping() override { return host_.ShouldStop(); }

 private:
  const sdk::Host& host_;
};

}  // namespace

std::span<const ce_driver_setting_spec> Sdi12Driver::Schema() { return kSchema; }

sdk::Result<std::unique_ptr<Sdi12Driver>> Sdi12Driver::Create(const sdk::Settings& settings,
                                                              sdk::Host host) {
  auto sensors = ParseSensorTables(settings.GetTables("sensors"), settings.GetTables("values"));
  if (!sensors) return std::unexpected(sensors.error());
  Options options{settings.GetString("device"),
                  milliseconds(settings.GetDurationMs("poll_interval")),
                  milliseconds(settings.GetDurationMs("response_timeout")), std::move(*sensors)};
  return std::make_unique<Sdi12Driver>(host, std::move(options));
}

Sdi12Driver::Sdi12Driver(sdk::Host host, Options options)
    : Driver(host), options_(std::move(options)), poller_(options_.sensors) {}

sdk::Status Sdi12Driver::Start() {
  if (auto opened = line_.Open(options_.device); !opened) {
    SetRefusal(opened.error().message);
    Report(CE_DRIVER_HEALTH_OFFLINE, opened.error().message);
    return std::unexpected(opened.error());
  }
  host().SetExpectedPeriodMs(static_cast<std::uint32_t>(options_.poll_interval.count()));
  return {};
}

sdk::Status Sdi12Driver::Run() {
  HostClock clock(host());
  Session session(line_, clock, options_.response_timeout);
  while (!host().ShouldStop()) {
    const auto started = std::chrono::steady_clock::now();
    const RoundResult round = poller_.Round(session, clock);
    if (round.aborted) {
      Emit(round);
      if (host().ShouldStop()) break;
      const std::string reason = round.aborted->message;
      SetRefusal(reason);
      Report(CE_DRIVER_HEALTH_OFFLINE, reason);
      host().Info(Summary(session.stats()));
      line_.Close();
      return sdk::Retry(reason);
    }
    // Health first: the host takes the first reading as "online" itself,
    // and the report that carries the identifications should be the one.
    UpdateHealth();
    Emit(round);
    // Long measurements can make a round outlast poll_interval; the host's
    // silence check must not count that as silence.
    const auto took =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    host().SetExpectedPeriodMs(static_cast<std::uint32_t>((options_.poll_interval + took).count()));
    const auto wait =
        took < options_.poll_interval ? options_.poll_interval - took : milliseconds();
    if (read_request_.Wait(host(), static_cast<std::uint32_t>(wait.count()))) break;
  }
  host().Info(Summary(session.stats()));
  line_.Close();
  return {};
}

sdk::Status Sdi12Driver::ReadNow() {
  read_request_.Ask();
  std::lock_guard lock(refusal_mu_);
  if (refusal_.empty()) return {};
  return sdk::Retry(refusal_);
}

void Sdi12Driver::SetRefusal(std::string refusal) {
  std::lock_guard lock(refusal_mu_);
  refusal_ = std::move(refusal);
}

void Sdi12Driver::Emit(const RoundResult& round) {
  for (const ChannelValue& v : round.values) {
    (void)host().Emit(v.mapping->channel.c_str(), v.value, v.mapping->unit.c_str());
  }
}

void Sdi12Driver::UpdateHealth() {
  const auto& states = poller_.states();
  const bool none = std::all_of(states.begin(), states.end(),
                                [](const SensorState& s) { return s.failure.has_value(); });
  const std::string reason = poller_.Describe();
  SetRefusal(none ? "no sensor answers: " + reason : std::string());
  Report(poller_.AllAnswered() ? CE_DRIVER_HEALTH_ONLINE : CE_DRIVER_HEALTH_DEGRADED, reason);
}

void Sdi12Driver::Report(ce_driver_health state, const std::string& reason) {
  if (state == state_ && reason == reason_) return;
  if (state != CE_DRIVER_HEALTH_ONLINE) {
    host().Warn(reason);
  } else if (state != state_ || reason != reason_) {
    host().Info(fmt::format("{} online: {}", options_.device, reason));
  }
  state_ = state;
  reason_ = reason;
  host().ReportHealth(state, reason);
}

std::string Sdi12Driver::Summary(const SessionStats& s) const {
  return fmt::format(
      "{}: {} sends, {} retries, {} breaks, {} without answer, {} bad CRC, {} garbled, {} service "
      "requests",
      options_.device, s.sends, s.retries, s.breaks, s.no_answer, s.bad_crc, s.garbage,
      s.service_requests);
}

}  // namespace cityedge::drivers::sdi12

CITYEDGE_DRIVER(sdi12, cityedge::drivers::sdi12::Sdi12Driver)
