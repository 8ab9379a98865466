// SPDX-License-Identifier: Apache-2.0
#include "daemon/control/authorizer.hpp"

#include <catch2/catch.hpp>

#include "daemon/control/signature.hpp"
#include "daemon/crypto/crypto.hpp"
#include "tests/fakes/clock.hpp"
#include "tests/support/process.hpp"

namespace cityedge::control {
namespace {

using crypto::Ed25519Signer;

constexpr std::int64_t kNowMs = 1'790'000'000'000;  // 2026-09

constexpr std::int64_t kNsPerMs = 1'000'000;

// The wall clock in ms, as commands state their times.
std::int64_t NowMs(const clock::Clock& clock) { return clock.WallNs() / kNsPerMs; }

struct Platform {
  Ed25519Signer key = *Ed25519Signer::Generate();
  Ed25519Signer other = *Ed25519Signer::Generate();

  std::string Sign(const v1::Command& command, const std::string& key_id = "ops",
                   const Ed25519Signer* with = nullptr) const {
    v1::SignedCommand signed_command;
    signed_command.set_command(command.SerializeAsString());
    signed_command.set_signature((with != nullptr ? *with : key).Sign(signed_command.command()));
    signed_command.set_key_id(key_id);
    return signed_command.SerializeAsString();
  }
};

v1::Command Status(const std::string& id, std::int64_t expires_ms = kNowMs + 60'000) {
  v1::Command c;
  c.set_id(id);
  c.set_gateway_id("gw-1");
  c.set_issued_at_unix_ms(kNowMs);
  c.set_expires_at_unix_ms(expires_ms);
  c.mutable_status();
  return c;
}

v1::Command Restart(const std::string& id) {
  v1::Command c = Status(id);
  c.mutable_restart_driver()->set_instance("aq1");
  return c;
}

struct Fixture {
  testing::TempDir dir;
  Platform platform;
  fakes::FakeClock clock{{.wall_ns = kNowMs * kNsPerMs,
                          .monotonic_ns = kNowMs * kNsPerMs,
                          .sync = {v1::CLOCK_STATE_NTP, 0}}};
  std::unique_ptr<journal::SeenIds> seen = *journal::SeenIds::Open(dir.path() + "/commands.db");
  std::unique_ptr<Authorizer> authorizer = Make(60);

  std::unique_ptr<Authorizer> Make(std::uint32_t rate) {
    AuthorizerOptions options;
    options.gateway_id = "gw-1";
    options.max_command_bytes = 4096;
    options.rate_limit_per_min = rate;
    auto keys = PlatformKeys::FromPem({{"ops", platform.key.public_pem()}});
    REQUIRE(keys);
    return std::make_unique<Authorizer>(options, std::move(*keys), clock, *seen);
  }

  // The refusal code, or OK.
  v1::ReplyCode Code(const std::string& payload) {
    auto checked = authorizer->Check(payload);
    return checked ? v1::REPLY_CODE_OK : checked.error().code;
  }
  std::string Message(const std::string& payload) {
    auto checked = authorizer->Check(payload);
    return checked ? "" : checked.error().message;
  }
};

TEST_CASE("a command signed by the platform key for this gateway is accepted once") {
  Fixture f;
  auto checked = f.authorizer->Check(f.platform.Sign(Restart("c-1")));
  REQUIRE(checked);
  CHECK(checked->id() == "c-1");
  CHECK(checked->restart_driver().instance() == "aq1");
  CHECK(f.Code(f.platform.Sign(Restart("c-1"))) == v1::REPLY_CODE_REPLAYED);
}

TEST_CASE("every forgery and misuse is refused with its own reason and leaves no trace") {
  Fixture f;
  SECTION("signature over other bytes") {
    v1::SignedCommand forged;
    forged.ParseFromString(f.platform.Sign(Restart("c-2")));
    v1::Command altered = Restart("c-2");
    altered.mutable_restart_driver()->set_instance("cam1");
    forged.set_command(altered.SerializeAsString());
    CHECK(f.Code(forged.SerializeAsString()) == v1::REPLY_CODE_UNAUTHENTICATED);
    CHECK_THAT(f.Message(forged.SerializeAsString()), Catch::Contains("does not verify"));
  }
  SECTION("signed by a key the gateway does not trust, under the trusted key's id") {
    const std::string p = f.platform.Sign(Restart("c-2"), "ops", &f.platform.other);
    CHECK(f.Code(p) == v1::REPLY_CODE_UNAUTHENTICATED);
    CHECK_THAT(f.Message(p), Catch::Contains("does not verify"));
  }
  SECTION("an unknown key id") {
    const std::string p = f.platform.Sign(Restart("c-2"), "intruder", &f.platform.other);
    CHECK(f.Code(p) == v1::REPLY_CODE_UNAUTHENTICATED);
    CHECK_THAT(f.Message(p), Catch::Contains("\"intruder\" is not a platform key"));
  }
  SECTION("another gateway's command") {
    v1::Command c = Restart("c-2");
    c.set_gateway_id("gw-2");
    CHECK(f.Code(f.platform.Sign(c)) == v1::REPLY_CODE_WRONG_GATEWAY);
  }
  SECTION("expired") {
    CHECK(f.Code(f.platform.Sign(Status("c-2", kNowMs))) == v1::REPLY_CODE_EXPIRED);
  }
  SECTION("valid for longer than a command may be") {
    CHECK(f.Code(f.platform.Sign(Status("c-2", kNowMs + 2 * 86'400'000LL))) ==
          v1::REPLY_CODE_EXPIRED);
  }
  SECTION("oversized") {
    v1::Command c = Restart("c-2");
    c.mutable_restart_driver()->set_instance(std::string(5000, 'x'));
    CHECK(f.Code(f.platform.Sign(c)) == v1::REPLY_CODE_TOO_LARGE);
  }
  SECTION("not a SignedCommand") {
    CHECK(f.Code(std::string("\xff\xff\xff\x0f garbage", 13)) == v1::REPLY_CODE_INVALID);
  }
  SECTION("signed bytes that are not a Command") {
    v1::SignedCommand s;
    s.set_command(std::string("\xff\xff\xff\x0f", 4));
    s.set_signature(f.platform.key.Sign(s.command()));
    s.set_key_id("ops");
    CHECK(f.Code(s.SerializeAsString()) == v1::REPLY_CODE_INVALID);
  }
  // None of the refused commands was recorded: the genuine one still runs.
  CHECK(*f.seen->Count() == 0);
  CHECK(f.Code(f.platform.Sign(Restart("c-2"))) == v1::REPLY_CODE_OK);
}

TEST_CASE("seen command ids survive a restart and are forgotten after they expire") {
  Fixture f;
  REQUIRE(f.Code(f.platform.Sign(Restart("c-3"))) == v1::REPLY_CODE_OK);
  f.authorizer.reset();
  f.seen = *journal::SeenIds::Open(f.dir.path() + "/commands.db");
  f.authorizer = f.Make(60);
  CHECK(f.Code(f.platform.Sign(Restart("c-3"))) == v1::REPLY_CODE_REPLAYED);
  f.clock.Advance(120'000 *
                  kNsPerMs);  // past c-3's expiry: its record is pruned by the next insert
  CHECK(f.Code(f.platform.Sign(Restart("c-4"))) == v1::REPLY_CODE_EXPIRED);
  v1::Command later = Restart("c-5");
  later.set_expires_at_unix_ms(NowMs(f.clock) + 60'000);
  CHECK(f.Code(f.platform.Sign(later)) == v1::REPLY_CODE_OK);
  CHECK(*f.seen->Count() == 1);
}

TEST_CASE("the rate limit counts accepted commands per minute, not replays") {
  Fixture f;
  f.authorizer = f.Make(3);
  for (int i = 0; i < 3; ++i) {
    CHECK(f.Code(f.platform.Sign(Restart(fmt::format("r-{}", i)))) == v1::REPLY_CODE_OK);
  }
  CHECK(f.Code(f.platform.Sign(Restart("r-0"))) == v1::REPLY_CODE_REPLAYED);
  CHECK(f.Code(f.platform.Sign(Restart("r-3"))) == v1::REPLY_CODE_RATE_LIMITED);
  f.clock.Advance(61'000 * kNsPerMs);
  v1::Command c = Restart("r-3");
  c.set_expires_at_unix_ms(NowMs(f.clock) + 60'000);
  CHECK(f.Code(f.platform.Sign(c)) == v1::REPLY_CODE_OK);  // refused before, so not seen
}

TEST_CASE("an unsynchronised clock refuses time-dependent commands but not status") {
  Fixture f;
  f.clock.SetSync({v1::CLOCK_STATE_UNSYNCED, 0});
  CHECK(f.Code(f.platform.Sign(Restart("u-1"))) == v1::REPLY_CODE_CLOCK_UNSYNCED);
  CHECK(f.Code(f.platform.Sign(Status("u-2"))) == v1::REPLY_CODE_OK);
}

TEST_CASE("platform keys that are not Ed25519 public keys are refused naming the key") {
  auto bad = PlatformKeys::FromPem(
      {{"ops", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message(), Catch::Contains("platform key ops"));
  auto signer = Ed25519Signer::Generate();
  REQUIRE(signer);
  auto as_public = PlatformKeys::FromPem({{"ops", signer->private_pem()}});
  CHECK_FALSE(as_public);
}

}  // namespace
}  // namespace cityedge::control
