// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "daemon/uplink/connect_diagnosis.hpp"
#include "daemon/uplink/pacing.hpp"

namespace cityedge::uplink {
namespace {

TEST_CASE("Backoff delays are full jitter under a doubling ceiling with a cap") {
  Backoff backoff(100, 1000, 42);
  const std::int64_t ceilings[] = {100, 200, 400, 800, 1000, 1000};
  for (std::int64_t ceiling : ceilings) {
    CHECK(backoff.CeilingMs() == ceiling);
    const std::int64_t delay = backoff.NextDelayMs();
    CHECK(delay >= 0);
    CHECK(delay <= ceiling);
  }
  backoff.Reset();
  CHECK(backoff.CeilingMs() == 100);
}

TEST_CASE("Backoff spreads delays over the whole interval") {
  Backoff backoff(1000, 1000, 7);
  std::int64_t low = 1000;
  std::int64_t high = 0;
  for (int i = 0; i < 200; ++i) {
    const std::int64_t delay = backoff.NextDelayMs();
    low = std::min(low, delay);
    high = std::max(high, delay);
  }
  CHECK(low < 200);
  CHECK(high > 800);
}

TEST_CASE("Token bucket starts full and refills at its rate") {
  constexpr std::int64_t kSecond = 1'000'000'000;
  TokenBucket bucket(100, 50, 0);
  CHECK(bucket.Available(0) == 50);
  bucket.Consume(50);
  CHECK(bucket.Available(0) == 0);
  CHECK(bucket.WaitNs(10, 0) == kSecond / 10);
  CHECK(bucket.Available(kSecond / 10) == 10);
  CHECK(bucket.Available(10 * kSecond) == 50);  // capped
  TokenBucket unlimited(0, 1, 0);
  CHECK(unlimited.unlimited());
  CHECK(unlimited.WaitNs(1000, 0) == 0);
}

TEST_CASE("Broker URIs parse with defaults and IPv6 brackets") {
  auto a = ParseBrokerUri("ssl://broker.example:8884");
  REQUIRE(a.has_value());
  CHECK(a->tls);
  CHECK(a->host == "broker.example");
  CHECK(a->port == "8884");
  auto b = ParseBrokerUri("tcp://[::1]");
  REQUIRE(b.has_value());
  CHECK(b->host == "::1");
  CHECK(b->port == "1883");
  CHECK_FALSE(ParseBrokerUri("http://x").has_value());
  CHECK_FALSE(ParseBrokerUri("x:1883").has_value());
}

TEST_CASE("Connect failures are named: DNS, refused, CONNACK refusals") {
  const Error dns = DiagnoseConnectFailure("tcp://no-such-host.invalid:1883", {}, 500, "x");
  CHECK(dns.message().find("DNS") != std::string::npos);
  // Port 1 on loopback: nothing listens there in a test environment.
  const Error refused = DiagnoseConnectFailure("tcp://127.0.0.1:1", {}, 500, "x");
  CHECK(refused.message().find("refused") != std::string::npos);
  bool matched = false;
  const Error auth = ConnackRefusal(0x87, &matched);
  CHECK(matched);
  CHECK(auth.code() == Code::kPermissionDenied);
  CHECK(auth.message().find("not authorised") != std::string::npos);
  (void)ConnackRefusal(0, &matched);
  CHECK_FALSE(matched);
}

}  // namespace
}  // namespace cityedge::uplink
