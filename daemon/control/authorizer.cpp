// SPDX-License-Identifier: Apache-2.0
#include "daemon/control/authorizer.hpp"

#include <fmt/format.h>

#include "daemon/control/dispatcher.hpp"

namespace cityedge::control {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;

std::unexpected<Refusal> Refuse(v1::ReplyCode code, std::string id, std::string message) {
  return std::unexpected(Refusal{code, std::move(id), std::move(message)});
}

// Status and rebirth are how an operator finds out why a box refuses
// everything else (e.g. no NTP yet), so they do not depend on the clock.
bool NeedsTrustedClock(v1::Command::OpCase op) {
  return op != v1::Command::kStatus && op != v1::Command::kRebirth;
}

}  // namespace

Authorizer::Authorizer(AuthorizerOptions options, PlatformKeys keys, const clock::Clock& clock,
                       journal::SeenIds& seen)
    : options_(std::move(options)), keys_(std::move(keys)), clock_(clock), seen_(seen) {}

std::expected<v1::Command, Refusal> Authorizer::Decode(std::string_view payload) const {
  if (payload.size() > options_.max_command_bytes) {
    return Refuse(v1::REPLY_CODE_TOO_LARGE, "",
                  fmt::format("command of {} bytes is above control.max_command_bytes ({})",
                              payload.size(), options_.max_command_bytes));
  }
  v1::SignedCommand signed_command;
  if (!signed_command.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Refuse(v1::REPLY_CODE_INVALID, "", "payload is not a SignedCommand protobuf");
  }
  if (keys_.empty()) {
    return Refuse(v1::REPLY_CODE_UNAUTHENTICATED, "",
                  "no platform key is configured on this gateway (control.platform_keys); "
                  "MQTT commands are refused");
  }
  if (!keys_.Has(signed_command.key_id())) {
    return Refuse(v1::REPLY_CODE_UNAUTHENTICATED, "",
                  fmt::format("key id \"{}\" is not a platform key of this gateway",
                              signed_command.key_id()));
  }
  if (!keys_.Verify(signed_command.key_id(), signed_command.command(),
                    signed_command.signature())) {
    return Refuse(
        v1::REPLY_CODE_UNAUTHENTICATED, "",
        fmt::format("signature does not verify with platform key \"{}\"", signed_command.key_id()));
  }
  v1::Command command;
  if (!command.ParseFromString(signed_command.command())) {
    return Refuse(v1::REPLY_CODE_INVALID, "", "signed bytes are not a Command protobuf");
  }
  return command;
}

std::expected<v1::Command, Refusal> Authorizer::Check(std::string_view payload) {
  auto decoded = Decode(payload);
  if (!decoded) return decoded;
  v1::Command& command = *decoded;
  const std::string& id = command.id();
  if (command.gateway_id() != options_.gateway_id) {
    return Refuse(v1::REPLY_CODE_WRONG_GATEWAY, id,
                  fmt::format("command is for gateway \"{}\", this is \"{}\"", command.gateway_id(),
                              options_.gateway_id));
  }
  if (id.empty() || id.size() > 128) {
    return Refuse(v1::REPLY_CODE_INVALID, "", "command id must be 1 to 128 bytes");
  }
  const bool clock_trusted =
      options_.trust_unsynced_clock || clock_.Sync().state != v1::CLOCK_STATE_UNSYNCED;
  if (!clock_trusted && NeedsTrustedClock(command.op_case())) {
    return Refuse(v1::REPLY_CODE_CLOCK_UNSYNCED, id,
                  fmt::format("{} depends on time and this gateway's clock is not synchronised; "
                              "check NTP (status and rebirth still work)",
                              OpName(command.op_case())));
  }
  const std::int64_t now_ms = clock_.WallNs() / 1'000'000;
  if (command.expires_at_unix_ms() <= now_ms) {
    return Refuse(v1::REPLY_CODE_EXPIRED, id,
                  fmt::format("command expired {} ms ago", now_ms - command.expires_at_unix_ms()));
  }
  if (command.expires_at_unix_ms() - now_ms > options_.max_lifetime_ms) {
    return Refuse(v1::REPLY_CODE_EXPIRED, id,
                  fmt::format("command is valid for {} s, more than the {} s a command may be",
                              (command.expires_at_unix_ms() - now_ms) / 1000,
                              options_.max_lifetime_ms / 1000));
  }
  auto seen = seen_.Contains(id);
  if (!seen) {
    return Refuse(v1::REPLY_CODE_FAILED, id,
                  fmt::format("cannot read the command ids: {}", seen.error().message()));
  }
  if (*seen) {
    return Refuse(
        v1::REPLY_CODE_REPLAYED, id,
        fmt::format("command id \"{}\" was already received; each command runs once", id));
  }
  // Only accepted commands count against the rate, so replaying a recorded
  // command cannot starve the platform's fresh ones.
  std::lock_guard rate_lock(rate_mu_);
  if (!RateAllows(now_ms)) {
    return Refuse(
        v1::REPLY_CODE_RATE_LIMITED, id,
        fmt::format("more than {} commands in the last minute (control.rate_limit_per_min)",
                    options_.rate_limit_per_min));
  }
  auto fresh = seen_.Insert(id, command.expires_at_unix_ms(), now_ms);
  if (!fresh) {
    return Refuse(v1::REPLY_CODE_FAILED, id,
                  fmt::format("cannot record the command id: {}", fresh.error().message()));
  }
  if (!*fresh) {
    return Refuse(
        v1::REPLY_CODE_REPLAYED, id,
        fmt::format("command id \"{}\" was already received; each command runs once", id));
  }
  accepted_ms_.push_back(now_ms);
  return decoded;
}

bool Authorizer::RateAllows(std::int64_t now_ms) {
  while (!accepted_ms_.empty() && accepted_ms_.front() <= now_ms - kMinuteMs) {
    accepted_ms_.pop_front();
  }
  return accepted_ms_.size() < options_.rate_limit_per_min;
}

}  // namespace cityedge::control
