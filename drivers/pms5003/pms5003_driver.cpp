// SPDX-License-Identifier: Apache-2.0
#include "pms5003_driver.hpp"

#include <array>
#include <vector>

#include <fmt/format.h>

namespace cityedge::drivers::pms5003 {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kValueSets[] = {"atmospheric", "standard", nullptr};
// Short enough that a stop request is seen well within the host's 1 s limit.
constexpr milliseconds kReadSlice{250};

constexpr std::array<ce_driver_setting_spec, 5> kSchema = {
    sdk::Setting("device", CE_DRIVER_SETTING_STRING,
                 "Serial device the sensor is wired to, e.g. /dev/ttyAMA0")
        .Required(),
    sdk::Setting("baud", CE_DRIVER_SETTING_INT,
                 "Baud rate (the PMS5003 speaks 9600; 1200..115200 standard rates)")
        .Default("9600")
        .Min(1200)
        .Max(115200)
        .Unit("bit/s"),
    sdk::Setting("values", CE_DRIVER_SETTING_ENUM,
                 "Which mass concentrations to emit: atmospheric (for AQI) or standard (CF=1)")
        .Default("atmospheric")
        .Allowed(kValueSets),
    sdk::Setting("counts", CE_DRIVER_SETTING_BOOL,
                 "Also emit particle counts per 0.1 L (count_0_3 ... count_10)")
        .Default("true"),
    sdk::Setting("read_timeout", CE_DRIVER_SETTING_DURATION,
                 "Report degraded when no valid frame arrives for this long")
        .Default("5s")
        .Min(500)
        .Max(600000)
        .Unit("ms"),
};

constexpr std::array<const char*, 6> kCountChannels = {"count_0_3", "count_0_5", "count_1_0",
                                                       "count_2_5", "count_5_0", "count_10"};

}  // namespace

std::span<const ce_driver_setting_spec> Pms5003Driver::Schema() { return kSchema; }

sdk::Result<std::unique_ptr<Pms5003Driver>> Pms5003Driver::Create(const sdk::Settings& settings,
                                                                  sdk::Host host) {
  Options options{settings.GetString("device"), settings.GetInt("baud"),
                  settings.GetString("values") == "atmospheric", settings.GetBool("counts"),
                  milliseconds(settings.GetDurationMs("read_timeout"))};
  if (!IsSupportedBaud(options.baud)) {
    return sdk::Fatal(fmt::format(
        "baud: {} is not a standard rate; use 1200, 2400, 4800, 9600, 19200, 38400, 57600 or "
        "115200 (the PMS5003 speaks 9600)",
        options.baud));
  }
  return std::make_unique<Pms5003Driver>(host, std::move(options));
}

sdk::Status Pms5003Driver::Start() {
  if (auto opened = port_.Open(options_.device, options_.baud); !opened) {
    Report(CE_DRIVER_HEALTH_OFFLINE, opened.error().message);
    return sdk::Retry(opened.error().message);
  }
  last_frame_ = Clock::now();
  host().SetExpectedPeriodMs(static_cast<std::uint32_t>(options_.read_timeout.count()));
  return {};
}

sdk::Status Pms5003Driver::Run() {
  std::array<std::uint8_t, 256> buffer{};
  std::vector<Measurement> frames;
  while (!host().ShouldStop()) {
    auto n = port_.Read(buffer, kReadSlice);
    if (!n) {
      Report(CE_DRIVER_HEALTH_OFFLINE, n.error().message);
      host().Info(Summary());
      return sdk::Retry(n.error().message);
    }
    frames.clear();
    decoder_.Feed(std::span(buffer).first(*n), frames);
    bytes_since_frame_ += *n;
    if (!frames.empty()) {
      last_frame_ = Clock::now();
      bytes_since_frame_ = 0;
    }
    for (const Measurement& m : frames) Emit(m);
    UpdateHealth(Clock::now());
  }
  host().Info(Summary());
  return {};
}

void Pms5003Driver::Emit(const Measurement& m) {
  const bool atm = options_.atmospheric;
  (void)host().Emit("pm1_0", atm ? m.pm1_0_atmospheric : m.pm1_0_standard, "ug/m3");
  (void)host().Emit("pm2_5", atm ? m.pm2_5_atmospheric : m.pm2_5_standard, "ug/m3");
  (void)host().Emit("pm10", atm ? m.pm10_atmospheric : m.pm10_standard, "ug/m3");
  if (!options_.counts) return;
  for (std::size_t i = 0; i < kCountChannels.size(); ++i) {
    (void)host().Emit(kCountChannels[i], m.counts[i], "1/0.1L");
  }
}

void Pms5003Driver::UpdateHealth(Clock::time_point now) {
  const auto silent = std::chrono::duration_cast<milliseconds>(now - last_frame_);
  if (silent < options_.read_timeout) {
    if (decoder_.stats().frames > 0) Report(CE_DRIVER_HEALTH_ONLINE, "");
    return;
  }
  const std::string reason =
      bytes_since_frame_ == 0
          ? fmt::format("no data from {} for {} ms; check wiring and the sensor's power",
                        options_.device, silent.count())
          : fmt::format("{} bytes from {} but no valid frame for {} ms ({}); check the baud rate",
                        bytes_since_frame_, options_.device, silent.count(), Summary());
  Report(CE_DRIVER_HEALTH_DEGRADED, reason);
}

sdk::Status Pms5003Driver::ReadNow() {
  std::lock_guard lock(silence_mu_);
  if (silence_.empty()) return {};
  return sdk::Retry(silence_);
}

void Pms5003Driver::Report(ce_driver_health state, const std::string& reason) {
  // Reasons carry running counters; reporting only state changes keeps the
  // health stream to transitions.
  if (state == state_) return;
  state_ = state;
  {
    std::lock_guard lock(silence_mu_);
    silence_ = state == CE_DRIVER_HEALTH_ONLINE ? std::string() : reason;
  }
  if (state != CE_DRIVER_HEALTH_ONLINE) host().Warn(reason);
  host().ReportHealth(state, reason);
}

std::string Pms5003Driver::Summary() const {
  const DecoderStats& s = decoder_.stats();
  return fmt::format("frames: {} good, {} bad checksum, {} bad length, {} bytes skipped", s.frames,
                     s.bad_checksum, s.bad_length, s.skipped_bytes);
}

}  // namespace cityedge::drivers::pms5003

CITYEDGE_DRIVER(pms5003, cityedge::drivers::pms5003::Pms5003Driver)
