// SPDX-License-Identifier: Apache-2.0
// The transaction rules and the measuring round against sensors simulated in
// memory (sim_bus.hpp), with a clock that moves only when the session waits.
#include <catch2/catch.hpp>

#include <algorithm>

#include "drivers/sdi12/poller.hpp"
#include "drivers/sdi12/session.hpp"
#include "tests/drivers/sdi12/sim_bus.hpp"

namespace cityedge::drivers::sdi12 {
namespace {

using testing::FakeClock;
using testing::SimBus;
using testing::SimSensor;

constexpr Micros kTimeout{100'000};

std::size_t Count(const std::vector<std::string>& log, const std::string& entry) {
  return static_cast<std::size_t>(std::count(log.begin(), log.end(), entry));
}

std::size_t Position(const std::vector<std::string>& log, const std::string& entry) {
  return static_cast<std::size_t>(std::find(log.begin(), log.end(), entry) - log.begin());
}

TEST_CASE("Every command is preceded by a break and marking when the line was idle") {
  FakeClock clock;
  SimBus bus(clock);
  bus.sensors['0'] = SimSensor{};
  Session session(bus, clock, kTimeout);
  const auto t0 = clock.Now();
  auto id = session.Identify('0');
  REQUIRE(id.has_value());
  CHECK(id->vendor == "ACME");
  CHECK(id->model == "LVL100");
  CHECK(id->version == "123");
  CHECK(bus.log == std::vector<std::string>{"BREAK", "0I!"});
  // Break and marking took their minimum times before the command went out.
  CHECK(clock.Now() - t0 >= kBreakTime + kMarkingTime);
  // The next command comes more than 87 ms later: a new break.
  clock.Advance(Micros(200'000));
  REQUIRE(session.Identify('0').has_value());
  CHECK(Count(bus.log, "BREAK") == 2);
}

TEST_CASE("aM! waits for the service request, then reads every value") {
  FakeClock clock;
  SimBus bus(clock);
  SimSensor sensor;
  sensor.seconds = 30;
  sensor.service_request = Micros(2'000'000);
  sensor.values = {1, 2, 3, 4, 5, 6, 7};
  sensor.per_data = 3;
  bus.sensors['5'] = sensor;
  Session session(bus, clock, kTimeout);
  const auto t0 = clock.Now();
  auto values = session.Measure('5', {false, false, 0});
  REQUIRE(values.has_value());
  CHECK(*values == std::vector<double>{1, 2, 3, 4, 5, 6, 7});
  CHECK(session.stats().service_requests == 1);
  // Read on the request, not after the announced 30 s.
  CHECK(clock.Now() - t0 < std::chrono::seconds(30));
  CHECK(Position(bus.log, "5D0!") < Position(bus.log, "5D1!"));
  CHECK(Position(bus.log, "5D1!") < Position(bus.log, "5D2!"));
  CHECK(Count(bus.log, "5D3!") == 0);
}

TEST_CASE("Without a service request the announced time is waited out") {
  FakeClock clock;
  SimBus bus(clock);
  SimSensor sensor;
  sensor.seconds = 4;
  bus.sensors['1'] = sensor;
  Session session(bus, clock, kTimeout);
  const auto t0 = clock.Now();
  auto values = session.Measure('1', {false, false, 0});
  REQUIRE(values.has_value());
  CHECK(*values == std::vector<double>{1.5, -2.25});
  CHECK(session.stats().service_requests == 0);
  CHECK(clock.Now() - t0 >= std::chrono::seconds(4));
}

TEST_CASE("A bad CRC is refused and the data command sent again") {
  FakeClock clock;
  SimBus bus(clock);
  SimSensor sensor;
  sensor.bad_crc = 2;
  bus.sensors['2'] = sensor;
  Session session(bus, clock, kTimeout);
  auto values = session.Measure('2', {false, true, 0});
  REQUIRE(values.has_value());
  CHECK(*values == std::vector<double>{1.5, -2.25});
  CHECK(session.stats().bad_crc == 2);
  CHECK(Count(bus.log, "2D0!") == 3);
  CHECK(Count(bus.log, "2MC!") == 1);
}

TEST_CASE("A CRC that never matches fails the measurement as bad CRC") {
  FakeClock clock;
  SimBus bus(clock);
  SimSensor sensor;
  sensor.bad_crc = 1000;
  bus.sensors['2'] = sensor;
  Session session(bus, clock, kTimeout);
  auto values = session.Measure('2', {true, true, 0});
  REQUIRE_FALSE(values.has_value());
  CHECK(values.error().kind == Failure::Kind::kSensor);
  CHECK(values.error().fault == Fault::kBadCrc);
  CHECK_THAT(values.error().message,
             Catch::StartsWith("bad CRC to 2D0! after 9 sends") && Catch::Contains("has CRC"));
}

TEST_CASE("Retry rules: at most three sends per break, a break after 87 ms of silence") {
  SECTION("a quick adapter: retries within the listening window go without a break") {
    FakeClock clock;
    SimBus bus(clock);
    bus.sensors['3'] = SimSensor{.silent = true};
    Session session(bus, clock, Micros(15'000));
    auto id = session.Identify('3');
    REQUIRE_FALSE(id.has_value());
    CHECK(id.error().fault == Fault::kNoAnswer);
    CHECK(id.error().message == "no answer to 3I! after 9 sends");
    CHECK(Count(bus.log, "3I!") == kBreaks * kTriesPerBreak);
    CHECK(Count(bus.log, "BREAK") == kBreaks);
    CHECK(session.stats().retries == kBreaks * kTriesPerBreak - 1);
  }
  SECTION("a slow adapter: every retry starts after the window, so each gets a break") {
    FakeClock clock;
    SimBus bus(clock);
    bus.sensors['3'] = SimSensor{.silent = true};
    Session session(bus, clock, Micros(100'000));
    REQUIRE_FALSE(session.Identify('3').has_value());
    CHECK(Count(bus.log, "BREAK") == kBreaks * kTriesPerBreak);
  }
}

TEST_CASE("A garbled answer is retried and reported with the text") {
  FakeClock clock;
  SimBus bus(clock);
  bus.sensors['4'] = SimSensor{.garbage = "4\x7f\x01zz"};
  Session session(bus, clock, kTimeout);
  auto id = session.Identify('4');
  REQUIRE_FALSE(id.has_value());
  CHECK(id.error().fault == Fault::kGarbage);
  CHECK_THAT(id.error().message,
             Catch::Contains("garbled answer to 4I!") && Catch::Contains("\\x7F\\x01zz"));
  CHECK(session.stats().garbage == kBreaks * kTriesPerBreak);
}

TEST_CASE("Fewer or more values than announced is a wrong count") {
  FakeClock clock;
  SimBus bus(clock);
  SimSensor fewer;
  fewer.announce = 3;
  fewer.values = {1, 2};
  bus.sensors['6'] = fewer;
  Session session(bus, clock, kTimeout);
  auto short_read = session.Measure('6', {false, false, 0});
  REQUIRE_FALSE(short_read.has_value());
  CHECK(short_read.error().fault == Fault::kWrongCount);
  CHECK(short_read.error().message == "3 values announced, 2 received");

  SimSensor more;
  more.announce = 1;
  more.values = {1, 2};
  bus.sensors['7'] = more;
  auto long_read = session.Measure('7', {false, false, 0});
  REQUIRE_FALSE(long_read.has_value());
  CHECK(long_read.error().message == "1 values announced, 2 received");
}

TEST_CASE("A stop request ends a transaction and a measurement wait") {
  FakeClock clock;
  SimBus bus(clock);
  SimSensor sensor;
  sensor.seconds = 600;
  bus.sensors['1'] = sensor;
  Session session(bus, clock, kTimeout);
  clock.StopAfter(8);
  auto values = session.Measure('1', {false, false, 0});
  REQUIRE_FALSE(values.has_value());
  CHECK(values.error().kind == Failure::Kind::kStopped);
}

std::vector<SensorSpec> Map(std::initializer_list<std::pair<char, MeasureCommand>> sensors) {
  std::vector<SensorSpec> map;
  for (const auto& [address, command] : sensors) {
    SensorSpec s;
    s.address = address;
    s.command = command;
    s.values.push_back({0, std::string("v") + address, "m", 2.0, 1.0, ""});
    s.where = std::string("sensors[") + address + "]";
    map.push_back(std::move(s));
  }
  return map;
}

TEST_CASE("A round starts concurrent sensors first and reads them after the others") {
  FakeClock clock;
  SimBus bus(clock);
  SimSensor slow;
  slow.seconds = 20;
  SimSensor quick;
  quick.seconds = 5;
  quick.values = {10};
  SimSensor serial;
  serial.seconds = 3;
  serial.service_request = Micros(1'000'000);
  serial.values = {7};
  bus.sensors['a'] = slow;
  bus.sensors['b'] = quick;
  bus.sensors['c'] = serial;
  Poller poller(Map({{'a', {true, true, 0}}, {'b', {true, false, 0}}, {'c', {false, false, 0}}}));
  Session session(bus, clock, kTimeout);
  const auto t0 = clock.Now();
  const RoundResult round = poller.Round(session, clock);
  REQUIRE_FALSE(round.aborted.has_value());
  CHECK(poller.AllAnswered());
  const auto& log = bus.log;
  CHECK(Position(log, "aCC!") < Position(log, "cM!"));
  CHECK(Position(log, "bC!") < Position(log, "cM!"));
  CHECK(Position(log, "cD0!") < Position(log, "bD0!"));
  CHECK(Position(log, "bD0!") < Position(log, "aD0!"));  // the quicker one first
  // Overlapped: the round took about the slowest sensor, not the sum.
  CHECK(clock.Now() - t0 < std::chrono::seconds(25));
  REQUIRE(round.values.size() == 3);
  std::map<std::string, double> got;
  for (const ChannelValue& v : round.values) got[v.mapping->channel] = v.value;
  CHECK(got["va"] == Approx(1.5 * 2 + 1));
  CHECK(got["vb"] == Approx(10 * 2 + 1));
  CHECK(got["vc"] == Approx(7 * 2 + 1));
  CHECK(poller.Describe() ==
        "sensor a: ACME LVL100 v123 SN42 (SDI-12 1.4); sensor b: ACME LVL100 v123 SN42 (SDI-12 "
        "1.4); sensor c: ACME LVL100 v123 SN42 (SDI-12 1.4)");
}

TEST_CASE("A failing sensor costs only itself, and is identified again when it answers") {
  FakeClock clock;
  SimBus bus(clock);
  bus.sensors['0'] = SimSensor{};
  bus.sensors['1'] = SimSensor{.silent = true};
  bus.sensors['2'] = SimSensor{.garbage = "2+1.0+"};
  Poller poller(Map({{'0', {}}, {'1', {}}, {'2', {}}}));
  Session session(bus, clock, kTimeout);
  RoundResult round = poller.Round(session, clock);
  REQUIRE_FALSE(round.aborted.has_value());
  REQUIRE(round.values.size() == 1);
  CHECK(round.values[0].mapping->channel == "v0");
  CHECK_FALSE(poller.AllAnswered());
  CHECK_THAT(poller.Describe(), Catch::StartsWith("2 of 3 sensors failing: ") &&
                                    Catch::Contains("sensor 1: no answer to 1I! after 9 sends") &&
                                    Catch::Contains("sensor 2: garbled answer to 2I!"));

  bus.sensors['1'].silent = false;
  bus.sensors['2'].garbage.clear();
  bus.log.clear();
  round = poller.Round(session, clock);
  CHECK(round.values.size() == 3);
  CHECK(poller.AllAnswered());
  CHECK(Count(bus.log, "0I!") == 0);  // still known
  CHECK(Count(bus.log, "1I!") == 1);
  CHECK(Count(bus.log, "2I!") == 1);
}

TEST_CASE("A value map index beyond what the sensor returned is a wrong count") {
  FakeClock clock;
  SimBus bus(clock);
  bus.sensors['0'] = SimSensor{};  // two values
  auto map = Map({{'0', {}}});
  map[0].values.push_back({2, "third", "", 1, 0, ""});
  Poller poller(std::move(map));
  Session session(bus, clock, kTimeout);
  const RoundResult round = poller.Round(session, clock);
  CHECK(round.values.empty());
  REQUIRE(poller.states()[0].failure.has_value());
  CHECK(poller.states()[0].failure->fault == Fault::kWrongCount);
  CHECK_THAT(poller.Describe(),
             Catch::Contains("0M! returned 2 values; value 2 is mapped to third"));
}

}  // namespace
}  // namespace cityedge::drivers::sdi12
