// SPDX-License-Identifier: Apache-2.0
#include "iio_driver.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cityedge::drivers::iio {
namespace {

constexpr std::array<ce_driver_setting_spec, 4> kSchema = {
    sdk::Setting("root", CE_DRIVER_SETTING_STRING,
                 "Directory holding the iio:deviceN folders (tests point it at a fake tree)")
        .Default("/sys/bus/iio/devices"),
    sdk::Setting("device", CE_DRIVER_SETTING_STRING,
                 "Device by name (e.g. bme280), by index (0) or by folder (iio:device0)")
        .Required(),
    sdk::Setting("channels", CE_DRIVER_SETTING_LIST,
                 "Channel types to read: temp, humidityrelative, pressure, resistance; "
                 "unset reads every one the device has"),
    sdk::Setting("poll_interval", CE_DRIVER_SETTING_DURATION, "Time between readings")
        .Default("10s")
        .Min(100)
        .Max(86400000)
        .Unit("ms"),
};

sdk::Result<std::vector<const ChannelKind*>> ParseChannels(const std::vector<std::string>& names) {
  std::vector<const ChannelKind*> kinds;
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const ChannelKind* kind = FindChannelKind(names[i]);
    if (kind == nullptr) {
      problems.push_back(
          fmt::format("channels[{}]: \"{}\" is not one of {}", i, names[i], ChannelKindNames()));
    } else if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) {
      problems.push_back(fmt::format("channels[{}]: \"{}\" is listed twice", i, names[i]));
    } else {
      kinds.push_back(kind);
    }
  }
  if (!problems.empty()) return sdk::Fatal(fmt::format("{}", fmt::join(problems, "; ")));
  return kinds;
}

}  // namespace

std::span<const ce_driver_setting_spec> IioDriver::Schema() { return kSchema; }

sdk::Result<std::unique_ptr<IioDriver>> IioDriver::Create(const sdk::Settings& settings,
                                                          sdk::Host host) {
  auto channels = ParseChannels(settings.GetList("channels"));
  if (!channels) return std::unexpected(channels.error());
  Options options{settings.GetString("root"), settings.GetString("device"), std::move(*channels),
                  std::chrono::milliseconds(settings.GetDurationMs("poll_interval"))};
  if (options.device.empty()) return sdk::Fatal("device: must not be empty");
  return std::make_unique<IioDriver>(host, std::move(options));
}

sdk::Status IioDriver::Start() {
  auto dir = FindDevice(options_.root, options_.device);
  if (!dir) {
    Report(CE_DRIVER_HEALTH_OFFLINE, dir.error().message);
    return sdk::Retry(dir.error().message);
  }
  device_dir_ = *dir;
  channels_ = options_.channels.empty() ? AvailableChannels(device_dir_) : options_.channels;
  if (channels_.empty()) {
    const std::string reason =
        fmt::format("{} offers none of the channels {}", device_dir_, ChannelKindNames());
    Report(CE_DRIVER_HEALTH_OFFLINE, reason);
    return sdk::Retry(reason);
  }
  host().Info(fmt::format("reading {} from {}", options_.device, device_dir_));
  host().SetExpectedPeriodMs(static_cast<std::uint32_t>(options_.poll_interval.count()));
  return {};
}

sdk::Status IioDriver::Run() {
  while (!host().ShouldStop()) {
    std::error_code ec;
    if (!std::filesystem::exists(device_dir_, ec)) {
      // The module was unloaded or the device unbound; a restart finds it again.
      const std::string reason = fmt::format("{} disappeared", device_dir_);
      Report(CE_DRIVER_HEALTH_OFFLINE, reason);
      return sdk::Retry(reason);
    }
    PollOnce();
    if (read_request_.Wait(host(), static_cast<std::uint32_t>(options_.poll_interval.count()))) {
      break;
    }
  }
  return {};
}

void IioDriver::PollOnce() {
  std::vector<std::string> failures;
  for (const ChannelKind* kind : channels_) {
    auto value = ReadChannel(device_dir_, kind->iio_type);
    if (!value) {
      failures.push_back(value.error().message);
      continue;
    }
    (void)host().Emit(kind->channel, *value * kind->factor, kind->unit);
  }
  if (failures.empty()) {
    Report(CE_DRIVER_HEALTH_ONLINE, "");
  } else {
    Report(CE_DRIVER_HEALTH_DEGRADED, fmt::format("{} of {} channels failed: {}", failures.size(),
                                                  channels_.size(), fmt::join(failures, "; ")));
  }
}

void IioDriver::Report(ce_driver_health state, const std::string& reason) {
  if (state == last_state_ && reason == last_reason_) return;
  if (state != CE_DRIVER_HEALTH_ONLINE) host().Warn(reason);
  last_state_ = state;
  last_reason_ = reason;
  host().ReportHealth(state, reason);
}

}  // namespace cityedge::drivers::iio

CITYEDGE_DRIVER(iio, cityedge::drivers::iio::IioDriver)
