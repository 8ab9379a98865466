// SPDX-License-Identifier: Apache-2.0
// Status and Result<T>: how recoverable failures travel in CityEdge.
//
// A function that can fail because of input, the environment or the network
// returns Status or Result<T>; both are [[nodiscard]]. Messages say what went
// wrong and, where possible, what to do about it. No exception crosses a module
// boundary; adapters around throwing libraries (Paho, OpenCV, yaml-cpp) catch.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace cityedge {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad input: config, command, sensor bytes
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,   // disk full, quota, queue full
  kFailedPrecondition,  // wrong state for the request
  kUnavailable,         // a peer or device is not reachable now; retry
  kDataLoss,            // corruption detected
  kDeadlineExceeded,
  kAborted,
  kInternal,  // a broken invariant surfaced as an error
  kUnimplemented,
};

[[nodiscard]] std::string_view CodeName(Code code);

class [[nodiscard]] Error {
 public:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] Code code() const { return code_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  // "unavailable: broker tcp://10.0.0.1:1883 refused the connection"
  [[nodiscard]] std::string ToString() const;

  // Prefixes context: Error(kNotFound, "no such file").Wrap("journal /x") gives
  // "journal /x: no such file".
  [[nodiscard]] Error Wrap(std::string_view context) const;

 private:
  Code code_;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

[[nodiscard]] inline Status OkStatus() { return {}; }

[[nodiscard]] inline std::unexpected<Error> MakeError(Code code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}

template <typename... Args>
[[nodiscard]] std::unexpected<Error> MakeError(Code code, fmt::format_string<Args...> format,
                                               Args&&... args) {
  return std::unexpected<Error>(Error(code, fmt::format(format, std::forward<Args>(args)...)));
}

}  // namespace cityedge

template <>
struct fmt::formatter<cityedge::Error> : fmt::formatter<std::string> {
  auto format(const cityedge::Error& error, fmt::format_context& ctx) const {
    return fmt::formatter<std::string>::format(error.ToString(), ctx);
  }
};
