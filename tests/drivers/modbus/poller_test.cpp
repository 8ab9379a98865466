#include "drivers/modbus/poller.hpp"

#include <catch2/catch.hpp>

#include <map>

namespace cityedge::drivers::modbus {
namespace {

// Answers from a table; an address listed in `errors` fails with that error.
class FakeClient final : public ModbusClient {
 public:
  explicit FakeClient(bool tcp) : tcp_(tcp) {}
  Status Connect() override { return OkStatus(); }
  void Close() override {}
  [[nodiscard]] bool connected() const override { return true; }
  [[nodiscard]] std::string Describe() const override { return "fake"; }
  [[nodiscard]] bool ResyncByReconnect() const override { return tcp_; }
  Result<std::vector<std::uint16_t>> Read(Function, std::uint16_t address, int count) override {
    ++reads;
    if (const auto it = errors.find(address); it != errors.end()) {
      return std::unexpected(it->second);
    }
    return std::vector<std::uint16_t>(static_cast<std::size_t>(count), address);
  }

  std::map<std::uint16_t, Error> errors;
  int reads = 0;

 private:
  bool tcp_;
};

std::vector<RegisterSpec> Map() {
  return ParseRegisterMap({"channel=a addr=1", "channel=b addr=2 scale=2", "channel=c addr=3"})
      .value();
}

TEST_CASE("An exception costs only its own channel") {
  FakeClient client(true);
  client.errors.emplace(2, Error(Code::kAborted, "device answered ILLEGAL DATA ADDRESS"));
  const auto map = Map();
  const PollResult r = PollOnce(client, map);
  REQUIRE(r.values.size() == 2);
  CHECK(r.values[0].spec->channel == "a");
  CHECK(r.values[1].value == 3);
  REQUIRE(r.failures.size() == 1);
  CHECK(r.failures[0] == "channel b: device answered ILLEGAL DATA ADDRESS");
  CHECK_FALSE(r.link_error.has_value());
}

TEST_CASE("A timeout breaks a TCP link but is a per-channel failure on RTU") {
  const auto map = Map();
  FakeClient tcp(true);
  tcp.errors.emplace(2, Error(Code::kDeadlineExceeded, "no answer"));
  const PollResult over_tcp = PollOnce(tcp, map);
  REQUIRE(over_tcp.link_error.has_value());
  CHECK(tcp.reads == 2);  // the round stops at the broken link
  CHECK(over_tcp.values.size() == 1);

  FakeClient rtu(false);
  rtu.errors.emplace(2, Error(Code::kDeadlineExceeded, "no answer"));
  const PollResult over_rtu = PollOnce(rtu, map);
  CHECK_FALSE(over_rtu.link_error.has_value());
  CHECK(over_rtu.values.size() == 2);
  CHECK(over_rtu.failures.size() == 1);

  FakeClient down(false);
  down.errors.emplace(1, Error(Code::kUnavailable, "Broken pipe"));
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
