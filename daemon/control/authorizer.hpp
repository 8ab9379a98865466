// SPDX-License-Identifier: Apache-2.0
// The gate in front of MQTT downlink commands. A command reaches the
// dispatcher only after, in this order: size, SignedCommand parse, key id,
// Ed25519 signature over the command bytes exactly as sent, Command parse,
// gateway id, clock synchronised (status and rebirth excepted), expiry,
// replay (id not seen before, persisted), rate. The first failure decides the
// refusal, and a refused command has no effect at all (a refused command's id
// is not even recorded as seen).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "cityedge/v1/command.pb.h"
#include "cityedge/v1/config.pb.h"
#include "daemon/control/signature.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/status.hpp"
#include "daemon/journal/seen_ids.hpp"

namespace cityedge::control {

struct Refusal {
  v1::ReplyCode code = v1::REPLY_CODE_INVALID;
  std::string command_id;  // when the command could be read far enough
  std::string message;
};

struct AuthorizerOptions {
  std::string gateway_id;
  std::size_t max_command_bytes = 64 * 1024;
  std::uint32_t rate_limit_per_min = 60;
  bool trust_unsynced_clock = false;
  // Commands valid longer than this are refused: a leaked signed command must
  // not stay usable for long.
  std::int64_t max_lifetime_ms = 24LL * 3600 * 1000;
};

// THREADING: Check is safe from several threads (rate state is locked; the
// seen-id store locks itself).
class Authorizer {
 public:
  // OWNERSHIP: `clock` and `seen` are borrowed and outlive the authorizer.
  Authorizer(AuthorizerOptions options, PlatformKeys keys, const clock::Clock& clock,
             journal::SeenIds& seen);

  // The verified command, or why it is refused.
  [[nodiscard]] std::expected<v1::Command, Refusal> Check(std::string_view payload);

 private:
  [[nodiscard]] std::expected<v1::Command, Refusal> Decode(std::string_view payload) const;
  // Caller holds rate_mu_.
  [[nodiscard]] bool RateAllows(std::int64_t now_ms);

  const AuthorizerOptions options_;
  const PlatformKeys keys_;
  const clock::Clock& clock_;
  journal::SeenIds& seen_;
  std::mutex rate_mu_;
  std::deque<std::int64_t> accepted_ms_;  // accept times within the last minute
};

}  // namespace cityedge::control
