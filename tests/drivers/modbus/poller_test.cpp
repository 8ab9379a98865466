// SPDX-License-Identifier: Apache-2.0
#include "drivers/modbus/poller.hpp"

#include <catch2/catch.hpp>

#include <map>

namespace cityedge::drivers::modbus {
namespace {

// Answers from a table; an address listed in `failures` fails with that
// message, and closes the link when the failure says so.
class FakeClient final : public ModbusClient {
 public:
  struct Failure {
    std::string message;
    bool closes_link = false;
  };

  sdk::Status Connect() override {
    connected_ = true;
    return {};
  }
  void Close() override { connected_ = false; }
  [[nodiscard]] bool connected() const override { return connected_; }
  [[nodiscard]] std::string Describe() const override { return "fake"; }
  sdk::Result<std::vector<std::uint16_t>> Read(Function, std::uint16_t address,
                                               int count) override {
    ++reads;
    if (const auto it = failures.find(address); it != failures.end()) {
      if (it->second.closes_link) Close();
      return sdk::Retry(it->second.message);
    }
    return std::vector<std::uint16_t>(static_cast<std::size_t>(count), address);
  }

  std::map<std::uint16_t, Failure> failures;
  int reads = 0;

 private:
  bool connected_ = true;
};

std::vector<RegisterSpec> Map() {
  return ParseRegisterMap({"channel=a addr=1", "channel=b addr=2 scale=2", "channel=c addr=3"})
      .value();
}

TEST_CASE("An exception costs only its own channel") {
  FakeClient client;
  client.failures.emplace(2, FakeClient::Failure{"device answered ILLEGAL DATA ADDRESS", false});
  const auto map = Map();
  const PollResult r = PollOnce(client, map);
  REQUIRE(r.values.size() == 2);
  CHECK(r.values[0].spec->channel == "a");
  CHECK(r.values[1].value == 3);
  REQUIRE(r.failures.size() == 1);
  CHECK(r.failures[0] == "channel b: device answered ILLEGAL DATA ADDRESS");
  CHECK_FALSE(r.link_error.has_value());
}

TEST_CASE("A failure that closes the link ends the round; one that keeps it costs its channel") {
  const auto map = Map();
  FakeClient closing;  // as a TCP client does on a timeout
  closing.failures.emplace(2, FakeClient::Failure{"no answer", true});
  const PollResult closed = PollOnce(closing, map);
  REQUIRE(closed.link_error.has_value());
  CHECK(closed.link_error->message == "channel b: no answer");
  CHECK(closing.reads == 2);  // the round stops at the broken link
  CHECK(closed.values.size() == 1);
  CHECK(closed.failures.empty());

  FakeClient keeping;  // as an RTU client does on a timeout
  keeping.failures.emplace(2, FakeClient::Failure{"no answer", false});
  const PollResult kept = PollOnce(keeping, map);
  CHECK_FALSE(kept.link_error.has_value());
  CHECK(kept.values.size() == 2);
  CHECK(kept.failures.size() == 1);

  FakeClient down;
  down.failures.emplace(1, FakeClient::Failure{"Broken pipe", true});
  CHECK(PollOnce(down, map).link_error.has_value());
}

TEST_CASE("Backoff doubles up to the maximum and resets") {
  using std::chrono::milliseconds;
  Backoff b(milliseconds(100), milliseconds(500));
  CHECK(b.Next() == milliseconds(100));
  CHECK(b.Next() == milliseconds(200));
  CHECK(b.Next() == milliseconds(400));
  CHECK(b.Next() == milliseconds(500));
  CHECK(b.Next() == milliseconds(500));
  b.Reset();
  CHECK(b.Next() == milliseconds(100));
}

TEST_CASE("Exception codes have their specification names") {
  CHECK(ExceptionName(1) == "ILLEGAL FUNCTION");
  CHECK(ExceptionName(2) == "ILLEGAL DATA ADDRESS");
  CHECK(ExceptionName(3) == "ILLEGAL DATA VALUE");
  CHECK(ExceptionName(4) == "SERVER DEVICE FAILURE");
  CHECK(ExceptionName(6) == "SERVER DEVICE BUSY");
  CHECK(ExceptionName(11) == "GATEWAY TARGET DEVICE FAILED TO RESPOND");
  CHECK(ExceptionName(9) == "EXCEPTION 9");
  CHECK(ExceptionName(200) == "EXCEPTION 200");
}

}  // namespace
}  // namespace cityedge::drivers::modbus
