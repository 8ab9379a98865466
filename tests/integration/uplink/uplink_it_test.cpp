// SPDX-License-Identifier: Apache-2.0
// The uplink against a real mosquitto on a run-time loopback port, checked by
// an independent subscriber (platform_subscriber.py). The journal here is the
// in-memory fake: these tests are about the MQTT side.
#include <filesystem>
#include <set>

#include "tests/fakes/clock.hpp"
#include "tests/fakes/journal.hpp"
#include "tests/integration/support/tls_certs.hpp"
#include "tests/integration/uplink/uplink_it_common.hpp"

namespace cityedge::uplink::it {
namespace {

using fakes::FakeJournal;
namespace support = cityedge::testing;
using support::Mosquitto;
using support::PlatformSubscriber;
using support::TempDir;

constexpr auto kLong = std::chrono::seconds(90);

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 3000 ? all.substr(all.size() - 3000) : all;
}

Mosquitto::Options GlobalOptions(std::string lines) {
  Mosquitto::Options options;
  options.global = std::move(lines);
  return options;
}

Mosquitto::Options ListenerOptions(std::string lines) {
  Mosquitto::Options options;
  options.listener = std::move(lines);
  return options;
}

std::unique_ptr<Uplink> MakeUplink(const v1::Config& config, journal::Journal& journal,
                                   const std::string& dir) {
  auto uplink = Uplink::Create(config, journal, clock::Default(), dir, nullptr);
  REQUIRE(uplink.has_value());
  return std::move(*uplink);
}

void RequireAllArrived(const Result<support::PlatformSummary>& summary, std::uint64_t count) {
  REQUIRE(summary.has_value());
  INFO(summary->json);
  CHECK(summary->missing_count == 0);
  CHECK(summary->distinct >= count);
  CHECK(summary->decode_errors == 0);
}

TEST_CASE("MQTT 5 end to end: every seq arrives at the platform") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  constexpr int kCount = 3000;
  auto platform = PlatformSubscriber::Start(
      SubscriberArgs((*broker)->port(), "--expect-seqs", std::to_string(kCount)));
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));
  FakeJournal journal;
  auto uplink = MakeUplink(UplinkConfig({(*broker)->uri()}), journal, dir.path());
  REQUIRE(uplink->Start());
  Source source(journal, kCount, 20, v1::PRIORITY_CLASS_TELEMETRY);
  RequireAllArrived(platform->Finish(kLong), kCount);
  REQUIRE(Eventually([&] { return journal.acked().size() == kCount; }));
  const UplinkStats stats = uplink->GetStats();
  CHECK(stats.connected);
  CHECK(stats.events_acked == kCount);
  CHECK(stats.maximum_packet_size == 0);  // mosquitto sets none by default
  uplink->Stop(std::chrono::seconds(2));
}

TEST_CASE("MQTT 3.1.1 end to end") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  constexpr int kCount = 500;
  auto args = SubscriberArgs((*broker)->port(), "--expect-seqs", std::to_string(kCount));
  args.insert(args.end(), {"--mqtt-version", "3.1.1"});
  auto platform = PlatformSubscriber::Start(args);
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));
  FakeJournal journal;
  v1::Config config = UplinkConfig({(*broker)->uri()});
  config.mutable_uplink()->set_mqtt_version("3.1.1");
  auto uplink = MakeUplink(config, journal, dir.path());
  REQUIRE(uplink->Start());
  Source source(journal, kCount, 10, v1::PRIORITY_CLASS_DETECTION);
  RequireAllArrived(platform->Finish(kLong), kCount);
  REQUIRE(Eventually([&] { return journal.acked().size() == kCount; }));
}

TEST_CASE("The first broker is down: the uplink fails over to the second") {
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker.has_value());
  const std::string dead_uri = "tcp://127.0.0.1:" + std::to_string(support::FreeLoopbackPort());
  auto platform =
      PlatformSubscriber::Start(SubscriberArgs((*broker)->port(), "--expect-seqs", "100"));
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));
  FakeJournal journal;
  auto uplink = MakeUplink(UplinkConfig({dead_uri, (*broker)->uri()}), journal, dir.path());
  REQUIRE(uplink->Start());
  journal.AddEvents(v1::PRIORITY_CLASS_HEALTH, 100);
  RequireAllArrived(platform->Finish(kLong), 100);
  const UplinkStats stats = uplink->GetStats();
  CHECK(stats.broker == (*broker)->uri());
  CHECK(stats.connect_failures >= 1);
  CHECK(stats.last_error.find("refused") != std::string::npos);
}

TEST_CASE("A publish the broker's ACL denies (PUBACK 0x87) is dead-lettered, the rest flows") {
  TempDir dir;
  const std::string acl = dir.path() + "/acl";
  std::ofstream(acl) << "topic read city/#\n"
                     << "pattern write city/%c/state\n"
                     << "pattern write city/%c/events/telemetry\n"
                     << "pattern read city/%c/cmd\n";
  auto broker = Mosquitto::Start(dir.path(), GlobalOptions("acl_file " + acl));
  REQUIRE(broker.has_value());
  auto platform =
      PlatformSubscriber::Start(SubscriberArgs((*broker)->port(), "--expect-count", "200"));
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));
  FakeJournal journal;
  journal.AddEvents(v1::PRIORITY_CLASS_ALARM, 3);
  journal.AddEvents(v1::PRIORITY_CLASS_TELEMETRY, 200);
  auto uplink = MakeUplink(UplinkConfig({(*broker)->uri()}), journal, dir.path());
  REQUIRE(uplink->Start());
  auto summary = platform->Finish(kLong);
  REQUIRE(summary.has_value());
  INFO(summary->json);
  CHECK(summary->distinct == 200);
  REQUIRE(Eventually([&] { return journal.dead().size() == 3; }));
  CHECK(journal.acked().size() == 200);
  CHECK(journal.last_dead_letter_detail().find("0x87") != std::string::npos);
  const UplinkStats stats = uplink->GetStats();
  CHECK(stats.batches_refused == 3);  // first try and reject_retries = 2
  CHECK(stats.events_dead_lettered == 3);
}

TEST_CASE("The broker is SIGKILLed and restarted 5 times mid-stream: nothing is missing") {
  TempDir dir;
  // The platform must be subscribed again before the gateway may publish after
  // a restart (mosquitto loses sessions on SIGKILL), so each restart admits
  // only the platform's user first and the gateway's after the SUBACK.
  const std::string passwords = dir.path() + "/passwords";
  auto write_passwords = [&](bool with_gateway) {
    std::filesystem::remove(passwords);
    REQUIRE(support::Process::Spawn(
                {"/usr/bin/mosquitto_passwd", "-c", "-b", passwords, "platform", "pp"}, false)
                ->Wait(std::chrono::seconds(10)) == 0);
    if (with_gateway) {
      REQUIRE(support::Process::Spawn({"/usr/bin/mosquitto_passwd", "-b", passwords, "gw1", "gp"},
                                      false)
                  ->Wait(std::chrono::seconds(10)) == 0);
    }
  };
  write_passwords(true);
  std::ofstream(dir.path() + "/gw-password") << "gp\n";
  auto broker = Mosquitto::Start(
      dir.path(), GlobalOptions("allow_anonymous false\npassword_file " + passwords));
  REQUIRE(broker.has_value());
  constexpr int kCount = 10000;
  auto args = SubscriberArgs((*broker)->port(), "--expect-seqs", std::to_string(kCount));
  args.insert(args.end(), {"--username", "platform", "--password", "pp"});
  auto platform = PlatformSubscriber::Start(args);
  REQUIRE(platform.has_value());
  REQUIRE(platform->WaitSubscribed(1, std::chrono::seconds(20)));
  FakeJournal journal;
  v1::Config config = UplinkConfig({(*broker)->uri()});
  config.mutable_uplink()->set_username("gw1");
  config.mutable_uplink()->set_password_file(dir.path() + "/gw-password");
  auto uplink = MakeUplink(config, journal, dir.path());
  REQUIRE(uplink->Start());
  Source source(journal, kCount, 1, v1::PRIORITY_CLASS_TELEMETRY);  // about 1000/s
  for (int round = 0; round < 5; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    write_passwords(false);
    REQUIRE((*broker)->Restart());
    INFO(LogTail((*broker)->log_path()));
    REQUIRE(platform->WaitSubscribed(round + 2, std::chrono::seconds(40)));
    write_passwords(true);
    (*broker)->Reload();
  }
  RequireAllArrived(platform->Finish(kLong), kCount);
  const UplinkStats stats = uplink->GetStats();
  // A kill during a backoff wait costs the uplink no session, so only a lower
  // bound holds.
  CHECK(stats.reconnects >= 1);
  CHECK(stats.session_seq >= 2);
}

struct TlsCase {
  std::string name;
  std::string server_cert;
  std::string server_key;
  std::string trusted_ca;
  std::string expected_error;  // empty: must connect
};

// Returns the uplink's last error with the port removed.
std::string RunTlsCase(const TlsCase& c, const support::TestPki& pki, const std::string& dir) {
  INFO(c.name);
  auto broker = Mosquitto::Start(
      dir, ListenerOptions("cafile " + pki.ca + "\ncertfile " + c.server_cert + "\nkeyfile " +
                           c.server_key + "\nrequire_certificate true\n"));
  REQUIRE(broker.has_value());
  FakeJournal journal;
  journal.AddEvents(v1::PRIORITY_CLASS_ALARM, 5);
  v1::Config config = UplinkConfig({"ssl://localhost:" + std::to_string((*broker)->port())});
  v1::TlsConfig* tls = config.mutable_uplink()->mutable_tls();
  tls->set_ca_file(c.trusted_ca);
  tls->set_cert_file(pki.client_cert);
  tls->set_key_file(pki.client_key);
  auto uplink = MakeUplink(config, journal, dir);
  REQUIRE(uplink->Start());
  if (c.expected_error.empty()) {
    REQUIRE(Eventually([&] { return journal.acked().size() == 5; }));
    CHECK(uplink->GetStats().connected);
  } else {
    REQUIRE(Eventually([&] { return uplink->GetStats().connect_failures >= 2; }));
    const UplinkStats stats = uplink->GetStats();
    INFO(stats.last_error);
    CHECK_FALSE(stats.connected);
    CHECK(stats.last_error.find(c.expected_error) != std::string::npos);
    CHECK(journal.acked().empty());
  }
  std::string error = uplink->GetStats().last_error;
  uplink->Stop(std::chrono::seconds(1));
  return error.substr(0, error.find("(ssl://"));
}

TEST_CASE("TLS: the right CA connects; wrong CA, wrong host and expired are refused, each named") {
  TempDir dir;
  auto pki = support::MakeTestPki(dir.path());
  REQUIRE(pki.has_value());
  const std::vector<TlsCase> cases = {
      {"good", pki->server_cert, pki->server_key, pki->ca, ""},
      {"wrong CA", pki->server_cert, pki->server_key, pki->other_ca, "TLS verify failure"},
      {"wrong host", pki->wrong_host_cert, dir.path() + "/wrong_host.key", pki->ca,
       "hostname mismatch"},
      {"expired", pki->expired_cert, dir.path() + "/expired.key", pki->ca,
       "certificate has expired"},
  };
  std::set<std::string> errors;
  for (const TlsCase& c : cases) errors.insert(RunTlsCase(c, *pki, dir.path()));
  CHECK(errors.size() == cases.size());  // each failure reads differently
}

TEST_CASE("TLS while the clock reads 1970: the certificate is checked at the clock floor") {
  TempDir dir;
  auto pki = support::MakeTestPki(dir.path());
  REQUIRE(pki.has_value());
  // The test CA is valid from now for 30 days, so a check time outside that
  // span fails where a check at the real time would pass: only the floor can
  // make these connects fail.
  auto broker = Mosquitto::Start(
      dir.path(), ListenerOptions("cafile " + pki->ca + "\ncertfile " + pki->server_cert +
                                  "\nkeyfile " + pki->server_key + "\n"));
  REQUIRE(broker.has_value());
  v1::Config config = UplinkConfig({"ssl://localhost:" + std::to_string((*broker)->port())});
  config.mutable_uplink()->mutable_tls()->set_ca_file(pki->ca);
  // The wall clock of a box without RTC that booted and has no NTP answer yet.
  fakes::FakeClock boot_clock = fakes::FakeClock::FollowingSystem();
  boot_clock.SetWallNs(10'000'000'000);
  boot_clock.SetSync({v1::CLOCK_STATE_UNSYNCED, 16'000'000});
  constexpr std::int64_t kDayNs = 86'400LL * 1'000'000'000;
  const std::int64_t now_ns = clock::Default().WallNs();

  auto run = [&](std::optional<std::int64_t> floor, bool expect_connect) {
    FakeJournal journal;
    journal.AddEvents(v1::PRIORITY_CLASS_ALARM, 5);
    auto uplink = Uplink::Create(config, journal, boot_clock, dir.path(), nullptr);
    REQUIRE(uplink.has_value());
    (*uplink)->SetTimeFloor([floor] { return floor; });
    REQUIRE((*uplink)->Start());
    if (expect_connect) {
      REQUIRE(Eventually([&] { return journal.acked().size() == 5; }));
    } else {
      REQUIRE(Eventually([&] { return (*uplink)->GetStats().connect_failures >= 2; }));
      CHECK(journal.acked().empty());
    }
    const std::string error = (*uplink)->GetStats().last_error;
    (*uplink)->Stop(std::chrono::seconds(1));
    return error;
  };
  // The floor a day ahead, inside the CA's validity: connects.
  CHECK(run(now_ns + kDayNs, true).empty());
  // Checked at a floor after the CA expired, or before it was made: refused.
  CHECK_THAT(run(now_ns + 60 * kDayNs, false), Catch::Contains("certificate has expired"));
  CHECK_THAT(run(now_ns - kDayNs, false), Catch::Contains("certificate is not yet valid"));
  // No floor: the wall clock (the real one, for OpenSSL) decides, and passes.
  CHECK(run(std::nullopt, true).empty());
}

}  // namespace
}  // namespace cityedge::uplink::it
