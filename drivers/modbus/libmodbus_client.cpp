// SPDX-License-Identifier: Apache-2.0
// The only file that includes libmodbus.
#include <modbus/modbus.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>

#include "modbus_client.hpp"

namespace cityedge::drivers::modbus {
namespace {

constexpr std::array<const char*, 12> kExceptionNames = {
    nullptr,
    "ILLEGAL FUNCTION",
    "ILLEGAL DATA ADDRESS",
    "ILLEGAL DATA VALUE",
    "SERVER DEVICE FAILURE",
    "ACKNOWLEDGE",
    "SERVER DEVICE BUSY",
    "NEGATIVE ACKNOWLEDGE",
    "MEMORY PARITY ERROR",
    nullptr,
    "GATEWAY PATH UNAVAILABLE",
    "GATEWAY TARGET DEVICE FAILED TO RESPOND",
};

// libmodbus reports protocol problems through errno values above
// MODBUS_ENOBASE; these mean a reply arrived but could not be trusted.
constexpr std::array<int, 6> kMalformed = {EMBBADCRC, EMBBADDATA, EMBBADEXC,
                                           EMBUNKEXC, EMBMDATA,   EMBBADSLAVE};

// A failed request: what it says about the link, and the message.
struct Failure {
  enum class Kind {
    kException,  // the device answered with a Modbus exception; the link is fine
    kNoAnswer,   // no answer within the response timeout
    kMalformed,  // an answer arrived but was malformed (CRC, length, slave)
    kLinkDown,   // the link itself failed
  };
  Kind kind;
  std::string message;
};

Failure Classify(int err, std::string_view what) {
  const int exception = err - MODBUS_ENOBASE;
  if (exception >= 1 && exception <= EMBXGTAR - MODBUS_ENOBASE) {
    return {Failure::Kind::kException, fmt::format("{}: device answered {} (exception {})", what,
                                                   ExceptionName(exception), exception)};
  }
  for (const int m : kMalformed) {
    if (err == m) {
      return {Failure::Kind::kMalformed, fmt::format("{}: {}", what, modbus_strerror(err))};
    }
  }
  if (err == ETIMEDOUT) {
    return {Failure::Kind::kNoAnswer,
            fmt::format("{}: no answer within the response timeout", what)};
  }
  return {Failure::Kind::kLinkDown, fmt::format("{}: {}", what, modbus_strerror(err))};
}

class LibmodbusClient final : public ModbusClient {
 public:
  explicit LibmodbusClient(LinkParams params) : params_(std::move(params)) {}
  ~LibmodbusClient() override { Close(); }

  sdk::Status Connect() override;
  void Close() override;
  [[nodiscard]] bool connected() const override { return ctx_ != nullptr; }
  [[nodiscard]] std::string Describe() const override;
  sdk::Result<std::vector<std::uint16_t>> Read(Function function, std::uint16_t address,
                                               int count) override;

 private:
  [[nodiscard]] bool BreaksLink(Failure::Kind kind) const;

  LinkParams params_;
  modbus_t* ctx_ = nullptr;
};

std::string LibmodbusClient::Describe() const {
  if (params_.tcp) {
    return fmt::format("tcp {}:{} slave {}", params_.tcp_params.host, params_.tcp_params.port,
                       params_.slave_id);
  }
  const auto& r = params_.rtu_params;
  return fmt::format("rtu {} {} {}{}{} slave {}", r.device, r.baud, r.data_bits, r.parity,
                     r.stop_bits, params_.slave_id);
}

bool LibmodbusClient::BreaksLink(Failure::Kind kind) const {
  if (kind == Failure::Kind::kLinkDown) return true;
  // Over TCP a late or garbled answer can arrive in place of the next one;
  // a fresh connection is the only way to be sure replies match requests.
  const bool stream_doubt = kind == Failure::Kind::kNoAnswer || kind == Failure::Kind::kMalformed;
  return stream_doubt && params_.tcp;
}

sdk::Status LibmodbusClient::Connect() {
  Close();
  const auto& r = params_.rtu_params;
  modbus_t* ctx =
      params_.tcp ? modbus_new_tcp(params_.tcp_params.host.c_str(), params_.tcp_params.port)
                  : modbus_new_rtu(r.device.c_str(), r.baud, r.parity, r.data_bits, r.stop_bits);
  if (ctx == nullptr) {
    return sdk::Fatal(fmt::format("{}: {}", Describe(), modbus_strerror(errno)));
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(params_.response_timeout);
  modbus_set_response_timeout(ctx, static_cast<std::uint32_t>(us.count() / 1000000),
                              static_cast<std::uint32_t>(us.count() % 1000000));
  if (modbus_set_slave(ctx, params_.slave_id) != 0 || modbus_connect(ctx) != 0) {
    const int err = errno;
    modbus_free(ctx);
    return sdk::Retry(Classify(err, fmt::format("cannot connect to {}", Describe())).message);
  }
  ctx_ = ctx;
  return {};
}

void LibmodbusClient::Close() {
  if (ctx_ == nullptr) return;
  modbus_close(ctx_);
  modbus_free(ctx_);
  ctx_ = nullptr;
}

sdk::Result<std::vector<std::uint16_t>> LibmodbusClient::Read(Function function,
                                                              std::uint16_t address, int count) {
  if (ctx_ == nullptr) return sdk::Retry(fmt::format("{}: not connected", Describe()));
  std::vector<std::uint16_t> registers(static_cast<std::size_t>(count));
  std::array<std::uint8_t, 1> bit{};
  int n = -1;
  switch (function) {
    case Function::kHolding:
      n = modbus_read_registers(ctx_, address, count, registers.data());
      break;
    case Function::kInput:
      n = modbus_read_input_registers(ctx_, address, count, registers.data());
      break;
    case Function::kCoil:
      n = modbus_read_bits(ctx_, address, 1, bit.data());
      break;
    case Function::kDiscrete:
      n = modbus_read_input_bits(ctx_, address, 1, bit.data());
      break;
  }
  if (n < 0) {
    const int err = errno;
    Failure failure =
        Classify(err, fmt::format("{} reading {} {}", Describe(), FunctionName(function), address));
    if (BreaksLink(failure.kind)) Close();
    return sdk::Retry(std::move(failure.message));
  }
  if (function == Function::kCoil || function == Function::kDiscrete) registers = {bit[0]};
  return registers;
}

}  // namespace

std::string ExceptionName(int code) {
  if (code >= 0 && code < static_cast<int>(kExceptionNames.size()) &&
      kExceptionNames[static_cast<std::size_t>(code)] != nullptr) {
    return kExceptionNames[static_cast<std::size_t>(code)];
  }
  return fmt::format("EXCEPTION {}", code);
}

std::unique_ptr<ModbusClient> MakeLibmodbusClient(const LinkParams& params) {
  return std::make_unique<LibmodbusClient>(params);
}

}  // namespace cityedge::drivers::modbus
