// SPDX-License-Identifier: Apache-2.0
// `cityedge doctor`'s judging: every fault it names, with a next step, and
// the exit verdict. The same faults, made real, run in tests/integration/cli.
#include <string>

#include <catch2/catch.hpp>

#include "daemon/cli/doctor.hpp"

namespace cityedge::cli {
namespace {

Snapshot Healthy(double seconds, double seq) {
  Snapshot s;
  s.steady_ns = static_cast<std::int64_t>(seconds * 1e9);
  s.status = {{"gateway", "gw-1"},
              {"version", "1.0"},
              {"uptime", "3 min"},
              {"clock", "CLOCK_STATE_NTP"},
              {"uplink", "connected to x"},
              {"uplink_last_error", "-"},
              {"journal", "ok"}};
  s.backlog = {
      {"queued_rows", "0"}, {"queued_bytes", "0"}, {"durable_seq", std::to_string(int(seq))}};
  s.drivers = {Row{"t1", {{"type", "replay"}, {"state", "COMPONENT_STATE_ONLINE"}}}};
  s.metrics["cityedge_disk_free_bytes"] = 50e9;
  return s;
}

DoctorFacts Facts() {
  DoctorFacts facts;
  facts.first = Healthy(0, 100);
  facts.second = Healthy(2, 120);
  facts.config = ConfigFacts{"/etc/cityedge/cityedged.yaml", "", "", "abc", "abc"};
  facts.socket = SocketFacts{"/run/cityedge/control.sock", "", 0660, true, "root", "cityedge"};
  return facts;
}

const Check& Named(const std::vector<Check>& checks, const std::string& name) {
  for (const Check& c : checks) {
    if (c.name == name) return c;
  }
  FAIL("no check named " << name);
  return checks.front();
}

TEST_CASE("a healthy box needs no person") {
  const auto checks = Diagnose(Facts());
  INFO(DoctorText(checks));
  CHECK_FALSE(NeedsPerson(checks));
  CHECK_THAT(Named(checks, "disk").finding, Catch::Contains("h of headroom at 10.0 events/s"));
  CHECK_THAT(DoctorText(checks), Catch::Contains("Nothing needs a person."));
  CHECK_THAT(DoctorJson(checks), Catch::StartsWith("{\"healthy\":true,\"checks\":[{\"name\":"));
}

TEST_CASE("each uplink failure is named with a next step") {
  struct Case {
    std::string error;
    std::string finding;
    std::string step;
  };
  const std::vector<Case> cases = {
      {"UNAVAILABLE: DNS: cannot resolve 'broker.city': Name or service not known",
       "does not resolve", "resolvectl"},
      {"UNAVAILABLE: connection refused by 127.0.0.1:1883 (no broker listening)", "nothing listens",
       "broker runs"},
      {"UNAUTHENTICATED: TLS verify failure: certificate has expired (ssl://b:8883)",
       "certificate has expired", "renew"},
      {"UNAUTHENTICATED: TLS verify failure: unable to get local issuer certificate (ssl://b)",
       "unknown CA", "ca_file"},
      {"UNAUTHENTICATED: TLS verify failure: certificate is not yet valid (ssl://b)",
       "not valid yet", "clock"},
      {"UNAUTHENTICATED: broker refused the connection: not authorised: bad user name or "
       "password (code 0x86)",
       "credentials", "password"},
      {"PERMISSION_DENIED: broker refused the connection: not authorised (code 0x87)",
       "does not allow", "client id"},
  };
  for (const Case& c : cases) {
    INFO(c.error);
    const Check check = UplinkCheck("disconnected: " + c.error, c.error, "CLOCK_STATE_NTP");
    CHECK(check.verdict == Verdict::kFail);
    CHECK_THAT(check.finding, Catch::Contains(c.finding));
    CHECK_THAT(check.next_step, Catch::Contains(c.step));
  }
}

TEST_CASE("an ACL refusal is named with its reason code although the session is up") {
  const Check check =
      UplinkCheck("connected to tcp://b:1883",
                  "broker refused cityedge/gw/events/telemetry (PUBACK reason 0x87) 4 times",
                  "CLOCK_STATE_NTP");
  CHECK(check.verdict == Verdict::kFail);
  CHECK_THAT(check.finding, Catch::Contains("not authorised (reason 0x87)"));
  CHECK_THAT(check.next_step, Catch::Contains("ACL"));
  // An old connect error while connected again is history, not a fault.
  CHECK(UplinkCheck("connected to x", "connection refused by b", "CLOCK_STATE_NTP").verdict ==
        Verdict::kOk);
}

TEST_CASE("faults on the box each need a person") {
  SECTION("a driver offline, with its reason") {
    DoctorFacts facts = Facts();
    facts.second->drivers[0].cells = {{"type", "modbus"},
                                      {"state", "COMPONENT_STATE_OFFLINE"},
                                      {"reason", "connect to 10.0.0.5:502 timed out"}};
    const auto checks = Diagnose(facts);
    CHECK(NeedsPerson(checks));
    CHECK_THAT(Named(checks, "driver t1").finding, Catch::Contains("OFFLINE: connect to"));
    CHECK_THAT(Named(checks, "driver t1").next_step, Catch::Contains("Modbus device has power") &&
                                                         Catch::Contains("slave_id") &&
                                                         Catch::Contains("cityedge read t1"));
    // A type without its own advice gets the general one.
    facts.second->drivers[0].cells["type"] = "acme";
    CHECK_THAT(Named(Diagnose(facts), "driver t1").next_step,
               Catch::Contains("check the device's power"));
  }
  SECTION("the clock below its floor, even where an unsynced clock is trusted") {
    DoctorFacts facts = Facts();
    facts.second->status.emplace_back("clock_unsynced_trusted", "yes");
    facts.second->status.emplace_back("clock_wall", "1970-01-01T00:00:40Z");
    facts.second->status.emplace_back("clock_floor", "2026-11-28T10:00:00Z");
    facts.second->status.emplace_back("clock_below_floor", "yes");
    const auto checks = Diagnose(facts);
    const Check& c = Named(checks, "clock");
    CHECK(c.verdict == Verdict::kFail);
    CHECK_THAT(c.finding, Catch::Contains("reads 1970-01-01T00:00:40Z, below its floor "
                                          "2026-11-28T10:00:00Z"));
    CHECK_THAT(c.next_step, Catch::Contains("set the clock") && Catch::Contains("timedatectl"));
    CHECK(NeedsPerson(checks));
  }
  SECTION("the clock unsynchronised") {
    DoctorFacts facts = Facts();
    facts.second->status[3].second = "CLOCK_STATE_UNSYNCED";
    CHECK(Named(Diagnose(facts), "clock").verdict == Verdict::kFail);
    // A lab box that trusts its unsynchronised clock on purpose gets a warning.
    facts.second->status.emplace_back("clock_unsynced_trusted", "yes");
    const auto checks = Diagnose(facts);
    CHECK(Named(checks, "clock").verdict == Verdict::kWarn);
    CHECK_FALSE(NeedsPerson(checks));
  }
  SECTION("the config file edited but not applied") {
    DoctorFacts facts = Facts();
    facts.config->file_hash = "def";
    const auto checks = Diagnose(facts);
    const Check& c = Named(checks, "config");
    CHECK(c.verdict == Verdict::kFail);
    CHECK_THAT(c.next_step, Catch::Contains("cityedge config apply"));
  }
  SECTION("a world-writable socket") {
    DoctorFacts facts = Facts();
    facts.socket.mode = 0666;
    CHECK(Named(Diagnose(facts), "socket").verdict == Verdict::kFail);
  }
  SECTION("the disk fills within a day at the current rate") {
    DoctorFacts facts = Facts();
    facts.second->metrics["cityedge_disk_free_bytes"] = 1e6;
    CHECK(Named(Diagnose(facts), "disk").verdict == Verdict::kFail);
  }
  SECTION("headroom ends at the journal's floor, and below it events are evicted") {
    DoctorFacts facts = Facts();
    facts.second->backlog["journal_path"] = "/var/lib/cityedge/journal.db";
    facts.second->backlog["min_free_disk"] = "64000000";
    // 10 events/s of 200 bytes: 7.2 MB an hour, so 50 MB above the floor
    // last 6.9 h.
    facts.second->metrics["cityedge_disk_free_bytes"] = 114e6;
    const Check near = Named(Diagnose(facts), "disk");
    CHECK(near.verdict == Verdict::kFail);
    CHECK_THAT(near.finding, Catch::Contains("of which the journal keeps 61.0 MiB "
                                             "(journal.min_free_disk): 6.9 h of headroom at "
                                             "10.0 events/s"));
    CHECK_THAT(near.next_step, Catch::Contains("make room on the filesystem of "
                                               "/var/lib/cityedge (df -h /var/lib/cityedge"));
    facts.second->metrics["cityedge_disk_free_bytes"] = 50e6;
    const Check below = Named(Diagnose(facts), "disk");
    CHECK(below.verdict == Verdict::kFail);
    CHECK_THAT(below.finding,
               Catch::Contains("below the journal's floor of") && Catch::Contains("gap record"));
    CHECK_THAT(below.next_step, Catch::Contains("make room"));
  }
  SECTION("the daemon is down") {
    DoctorFacts facts;
    facts.daemon_error = "cityedged is not running";
    facts.socket = SocketFacts{"/run/x.sock", "No such file or directory", 0, false, "", ""};
    const auto checks = Diagnose(facts);
    CHECK(NeedsPerson(checks));
    CHECK_THAT(Named(checks, "daemon").next_step, Catch::Contains("systemctl start cityedged"));
    CHECK_THAT(DoctorJson(checks), Catch::StartsWith("{\"healthy\":false"));
  }
}

}  // namespace
}  // namespace cityedge::cli
