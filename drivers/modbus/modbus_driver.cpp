// SPDX-License-Identifier: Apache-2.0
#include "modbus_driver.hpp"

#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cityedge::drivers::modbus {
namespace {

constexpr const char* kTransports[] = {"tcp", "rtu", nullptr};
constexpr const char* kParities[] = {"none", "even", "odd", nullptr};

constexpr const char* kFunctionNames[] = {"holding", "input", "coil", "discrete", nullptr};
constexpr const char* kValueTypeNames[] = {"u16", "i16", "u32", "i32", "f32", "bit", nullptr};
constexpr const char* kOrderNames[] = {"abcd", "cdab", "badc", "dcba", nullptr};

// One entry of the register map; register_map.hpp says what each field means.
constexpr std::array<ce_driver_setting_spec, 8> kRegisterFields = {
    sdk::Setting("channel", CE_DRIVER_SETTING_STRING,
                 "Reading channel: letters, digits, _, . and -; unique in the map")
        .Required(),
    sdk::Setting("addr", CE_DRIVER_SETTING_INT,
                 "Protocol address, not the reference (register 40004 is addr 3)")
        .Required()
        .Min(0)
        .Max(65535),
    sdk::Setting("fn", CE_DRIVER_SETTING_ENUM,
                 "Function: holding (03), input (04), coil (01), discrete (02)")
        .Default("holding")
        .Allowed(kFunctionNames),
    sdk::Setting("type", CE_DRIVER_SETTING_ENUM,
                 "Value type (f32 is IEEE 754); unset: u16 for registers, bit for coil/discrete")
        .Allowed(kValueTypeNames),
    sdk::Setting("order", CE_DRIVER_SETTING_ENUM,
                 "Bytes of the value, most significant first, in wire order; 16-bit types "
                 "take abcd or badc")
        .Default("abcd")
        .Allowed(kOrderNames),
    sdk::Setting("scale", CE_DRIVER_SETTING_DOUBLE, "value = raw * scale + offset").Default("1"),
    sdk::Setting("offset", CE_DRIVER_SETTING_DOUBLE, "Added after scaling").Default("0"),
    sdk::Setting("unit", CE_DRIVER_SETTING_STRING, "Unit of the reading, e.g. ug/m3"),
};

constexpr std::array<ce_driver_setting_spec, 13> kSchema = {
    sdk::Setting("transport", CE_DRIVER_SETTING_ENUM,
                 "Modbus TCP, or RTU over a serial line (RS-485)")
        .Default("tcp")
        .Allowed(kTransports),
    sdk::Setting("host", CE_DRIVER_SETTING_STRING,
                 "TCP: server address or name (required for tcp)"),
    sdk::Setting("port", CE_DRIVER_SETTING_INT, "TCP: server port")
        .Default("502")
        .Min(1)
        .Max(65535),
    sdk::Setting("device", CE_DRIVER_SETTING_STRING, "RTU: serial device (required for rtu)"),
    sdk::Setting("baud", CE_DRIVER_SETTING_INT, "RTU: baud rate")
        .Default("9600")
        .Min(1200)
        .Max(230400)
        .Unit("bit/s"),
    sdk::Setting("parity", CE_DRIVER_SETTING_ENUM, "RTU: parity")
        .Default("none")
        .Allowed(kParities),
    sdk::Setting("stop_bits", CE_DRIVER_SETTING_INT, "RTU: stop bits").Default("1").Min(1).Max(2),
    sdk::Setting("slave_id", CE_DRIVER_SETTING_INT, "Unit id of the device (RTU address)")
        .Default("1")
        .Min(1)
        .Max(255),
    sdk::Setting("registers", CE_DRIVER_SETTING_TABLE_LIST,
                 "Register map: one table per reading channel (fields below)")
        .Required()
        .Min(1)
        .Fields(kRegisterFields)
        .AcceptsLines(),
    sdk::Setting("poll_interval", CE_DRIVER_SETTING_DURATION, "Time between polling rounds")
        .Default("10s")
        .Min(100)
        .Max(86400000)
        .Unit("ms"),
    // Capped below 1 s: a blocking request must end before the host's 1 s stop deadline.
    sdk::Setting("response_timeout", CE_DRIVER_SETTING_DURATION,
                 "How long to wait for each answer (and for a TCP connect)")
        .Default("500ms")
        .Min(10)
        .Max(900)
        .Unit("ms"),
    sdk::Setting("reconnect_min", CE_DRIVER_SETTING_DURATION, "First delay before reconnecting")
        .Default("1s")
        .Min(100)
        .Max(3600000)
        .Unit("ms"),
    sdk::Setting("reconnect_max", CE_DRIVER_SETTING_DURATION,
                 "Longest delay between reconnect attempts (the delay doubles up to this)")
        .Default("60s")
        .Min(100)
        .Max(3600000)
        .Unit("ms"),
};

char ParityLetter(const std::string& parity) {
  return parity == "even" ? 'E' : parity == "odd" ? 'O' : 'N';
}

sdk::Result<LinkParams> ReadLink(const sdk::Settings& s) {
  LinkParams link;
  link.tcp = s.GetString("transport") == "tcp";
  link.slave_id = static_cast<int>(s.GetInt("slave_id"));
  link.response_timeout = std::chrono::milliseconds(s.GetDurationMs("response_timeout"));
  if (link.tcp) {
    link.tcp_params = {s.GetString("host", ""), static_cast<int>(s.GetInt("port"))};
    if (link.tcp_params.host.empty()) return sdk::Fatal("host: required when transport is tcp");
  } else {
    link.rtu_params = {s.GetString("device", ""), static_cast<int>(s.GetInt("baud")),
                       ParityLetter(s.GetString("parity")), 8,
                       static_cast<int>(s.GetInt("stop_bits"))};
    if (link.rtu_params.device.empty()) return sdk::Fatal("device: required when transport is rtu");
  }
  return link;
}

}  // namespace

std::span<const ce_driver_setting_spec> ModbusDriver::Schema() { return kSchema; }

sdk::Result<std::unique_ptr<ModbusDriver>> ModbusDriver::Create(const sdk::Settings& settings,
                                                                sdk::Host host) {
  auto link = ReadLink(settings);
  if (!link) return std::unexpected(link.error());
  auto map = ParseRegisterTables(settings.GetTables("registers"));
  if (!map) return std::unexpected(map.error());
  Options options{*link, std::move(*map),
                  std::chrono::milliseconds(settings.GetDurationMs("poll_interval")),
                  std::chrono::milliseconds(settings.GetDurationMs("reconnect_min")),
                  std::chrono::milliseconds(settings.GetDurationMs("reconnect_max"))};
  if (options.reconnect_max < options.reconnect_min) {
    return sdk::Fatal("reconnect_max: must not be shorter than reconnect_min");
  }
  auto client = MakeLibmodbusClient(options.link);
  return std::make_unique<ModbusDriver>(host, std::move(options), std::move(client));
}

ModbusDriver::ModbusDriver(sdk::Host host, Options options, std::unique_ptr<ModbusClient> client)
    : Driver(host),
      options_(std::move(options)),
      client_(std::move(client)),
      backoff_(options_.reconnect_min, options_.reconnect_max) {}

sdk::Status ModbusDriver::Run() {
  host().SetExpectedPeriodMs(static_cast<std::uint32_t>(options_.poll_interval.count()));
  while (!host().ShouldStop()) {
    const auto wait = Cycle();
    if (read_request_.Wait(host(), static_cast<std::uint32_t>(wait.count()))) break;
  }
  client_->Close();
  return {};
}

sdk::Status ModbusDriver::ReadNow() {
  read_request_.Ask();
  std::lock_guard lock(link_mu_);
  if (link_error_.empty()) return {};
  return sdk::Retry(
      fmt::format("not connected ({}); reconnecting now, `cityedge drivers` shows "
                  "whether it worked",
                  link_error_));
}

void ModbusDriver::SetLinkError(std::string error) {
  std::lock_guard lock(link_mu_);
  link_error_ = std::move(error);
}

std::chrono::milliseconds ModbusDriver::Cycle() {
  if (!client_->connected()) {
    if (auto connected = client_->Connect(); !connected) {
      SetLinkError(connected.error().message);
      const auto wait = backoff_.Next();
      Report(CE_DRIVER_HEALTH_OFFLINE,
             fmt::format("{}; retrying in {} ms", connected.error().message, wait.count()));
      return wait;
    }
    SetLinkError({});
    host().Info(fmt::format("connected to {}", client_->Describe()));
  }
  const PollResult result = PollOnce(*client_, options_.map);
  Emit(result);
  if (result.link_error) {
    SetLinkError("link lost: " + result.link_error->message);
    const auto wait = backoff_.Next();
    Report(CE_DRIVER_HEALTH_OFFLINE, fmt::format("link lost: {}; reconnecting in {} ms",
                                                 result.link_error->message, wait.count()));
    return wait;
  }
  backoff_.Reset();
  if (result.failures.empty()) {
    Report(CE_DRIVER_HEALTH_ONLINE, "");
  } else {
    Report(CE_DRIVER_HEALTH_DEGRADED,
           fmt::format("{} of {} registers failed: {}", result.failures.size(), options_.map.size(),
                       fmt::join(result.failures, "; ")));
  }
  return options_.poll_interval;
}

void ModbusDriver::Emit(const PollResult& result) {
  for (const ChannelValue& v : result.values) {
    (void)host().Emit(v.spec->channel.c_str(), v.value, v.spec->unit.c_str());
  }
}

void ModbusDriver::Report(ce_driver_health state, const std::string& reason) {
  if (state == last_state_ && reason == last_reason_) return;
  // The retry delay changes every attempt; log the state change, not each retry.
  if (state != last_state_) {
    if (state == CE_DRIVER_HEALTH_ONLINE) {
      host().Info(fmt::format("{} online", client_->Describe()));
    } else {
      host().Warn(reason);
    }
  }
  last_state_ = state;
  last_reason_ = reason;
  host().ReportHealth(state, reason);
}

}  // namespace cityedge::drivers::modbus

CITYEDGE_DRIVER(modbus, cityedge::drivers::modbus::ModbusDriver)
