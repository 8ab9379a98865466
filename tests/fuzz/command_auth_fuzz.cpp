// SPDX-License-Identifier: Apache-2.0
// Fuzzes the MQTT downlink gate and the dispatcher behind it. The first byte
// chooses how the rest is used:
//   even: the raw MQTT payload, as a stranger could publish it;
//   odd:  the bytes of a Command, signed with the platform key, so the checks
//         after the signature (parse, gateway, clock, expiry, replay, rate)
//         and the dispatcher see arbitrary commands too.
// Contracts: a refused command is not recorded as seen; an accepted one is
// for this gateway, unexpired, recorded, and its reply echoes its id.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "daemon/control/authorizer.hpp"
#include "daemon/control/dispatcher.hpp"
#include "daemon/control/signature.hpp"
#include "daemon/crypto/crypto.hpp"
#include "tests/fakes/clock.hpp"

namespace {

using namespace cityedge;

constexpr std::int64_t kNowMs = 1'790'000'000'000;

void Require(bool condition) {
  if (!condition) std::abort();
}

class NullBackend final : public control::Backend {
 public:
  control::Fields StatusFields() override { return {{"gateway", "gw-1"}}; }
  std::vector<DriverInstanceStatus> Drivers() override { return {}; }
  std::vector<PipelineInstanceStatus> Pipelines() override { return {}; }
  control::Fields Backlog() override { return {}; }
  Result<std::vector<v1::Event>> EventsFrom(std::uint64_t, std::size_t) override { return {}; }
  std::uint64_t DurableSeq() override { return 0; }
  Result<std::vector<v1::Event>> ReadNow(const std::string& id) override {
    return MakeError(Code::kNotFound, "no driver {}", id);
  }
  Result<std::string> Snapshot(const std::string& id, std::uint32_t) override {
    return MakeError(Code::kNotFound, "no camera {}", id);
  }
  Result<std::string> CheckConfig(const std::string&) override {
    return MakeError(Code::kInvalidArgument, "not checked here");
  }
  std::pair<std::string, std::string> CurrentConfig() override { return {"", ""}; }
  Result<std::string> ApplyConfig(const std::string&, const std::string&) override {
    return MakeError(Code::kFailedPrecondition, "not applied here");
  }
  Result<control::ReplayPlan> Replay(const v1::ReplayRequest&) override {
    return control::ReplayPlan{};
  }
  Status Rebirth() override { return OkStatus(); }
  Status RestartDriver(const std::string&) override { return OkStatus(); }
};

struct World {
  crypto::Ed25519Signer platform = *crypto::Ed25519Signer::Generate();
  const fakes::FakeClock clock{
      {.wall_ns = kNowMs * 1'000'000, .monotonic_ns = 1, .sync = {v1::CLOCK_STATE_NTP, 0}}};
  std::string db = "/tmp/cityedge-fuzz-commands-" + std::to_string(::getpid()) + ".db";
  std::unique_ptr<journal::SeenIds> seen;
  std::unique_ptr<control::Authorizer> authorizer;
  NullBackend backend;
  control::Dispatcher dispatcher{backend};

  World() {
    ::unlink(db.c_str());
    seen = *journal::SeenIds::Open(db);
    control::AuthorizerOptions options;
    options.gateway_id = "gw-1";
    options.max_command_bytes = 4096;
    // High enough that the limit itself is fuzzed only now and then.
    options.rate_limit_per_min = 1'000'000;
    authorizer = std::make_unique<control::Authorizer>(
        options, *control::PlatformKeys::FromPem({{"ops", platform.public_pem()}}), clock, *seen);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  if (size == 0) return 0;
  std::string payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    v1::SignedCommand signed_command;
    signed_command.set_command(payload);
    signed_command.set_signature(world.platform.Sign(payload));
    signed_command.set_key_id("ops");
    payload = signed_command.SerializeAsString();
  }
  const std::uint64_t before = *world.seen->Count();
  auto checked = world.authorizer->Check(payload);
  const std::uint64_t after = *world.seen->Count();
  if (!checked) {
    Require(after <= before);  // refusals record nothing (pruning may remove)
    Require(checked.error().code != v1::REPLY_CODE_OK);
    Require(!checked.error().message.empty());
    return 0;
  }
  Require(checked->gateway_id() == "gw-1");
  Require(checked->expires_at_unix_ms() > kNowMs);
  Require(*world.seen->Contains(checked->id()));
  const control::Caller caller{control::Caller::Transport::kMqtt, true, "fuzz"};
  const v1::CommandReply reply = world.dispatcher.Handle(*checked, caller);
  Require(reply.id() == checked->id());
  Require(reply.code() != v1::REPLY_CODE_UNSPECIFIED);
  return 0;
}
