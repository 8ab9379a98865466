// SPDX-License-Identifier: Apache-2.0
// Fuzzes what SDI-12 sensors send: the response parsers (address and CRC
// check, identification, measurement answers, sign-delimited values) and a
// whole measurement transaction fed the input as the sensor's answers.
//
// Input: byte 0 picks the address and the measurement command; the rest,
// split at '\n', are the lines the bus returns, one per read.
// Checks: nothing crashes or hangs; a body that parses as values formats and
// parses back to as many values; text with its CRC appended always passes
// the CRC check and gives back the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/sdi12/protocol.hpp"
#include "drivers/sdi12/session.hpp"
#include "tests/drivers/sdi12/sim_bus.hpp"

namespace {

namespace sdi = cityedge::drivers::sdi12;

void Require(bool condition) {
  if (!condition) std::abort();
}

// The bus returns the fuzz lines in order, then silence; each read moves the
// clock so every wait in the session ends.
class ScriptedLine final : public sdi::Line {
 public:
  ScriptedLine(std::vector<std::string> lines, sdi::testing::FakeClock& clock)
      : lines_(std::move(lines)), clock_(clock) {}
  cityedge::sdk::Status SetBreak(bool) override { return {}; }
  void DiscardInput() override {}
  cityedge::sdk::Status Write(std::string_view) override { return {}; }
  cityedge::sdk::Result<std::optional<std::string>> ReadLine(sdi::Micros first_byte,
                                                             sdi::Micros) override {
    clock_.Advance(first_byte);
    if (next_ >= lines_.size()) return std::optional<std::string>();
    return std::optional<std::string>(lines_[next_++]);
  }

 private:
  std::vector<std::string> lines_;
  std::size_t next_ = 0;
  sdi::testing::FakeClock& clock_;
};

void CheckParsers(std::string_view line, char address) {
  for (const bool crc : {false, true}) {
    auto body = sdi::CheckResponse(line, address, crc);
    if (!body) continue;
    (void)sdi::ParseIdentification(*body);
    (void)sdi::ParseAnnouncement(*body, crc);
    if (auto values = sdi::ParseValues(*body)) {
      auto again = sdi::ParseValues(sdi::FormatValues(*values, 3));
      Require(again.has_value() && again->size() == values->size());
    }
  }
  (void)sdi::ParseMeasureCommand(line);
  if (!line.empty()) {
    const std::string signed_line = sdi::WithCrc(line);
    auto body = sdi::CheckResponse(signed_line, line.front(), true);
    Require(body.has_value() && *body == line.substr(1));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr char kAddresses[] = "0123456789AZaz";
  const char address = kAddresses[data[0] % (sizeof(kAddresses) - 1)];
  const sdi::MeasureCommand command{(data[0] & 0x10) != 0, (data[0] & 0x20) != 0,
                                    (data[0] >> 6) * 3};
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= input.size() && lines.size() < 64) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    lines.emplace_back(input.substr(start, end - start));
    CheckParsers(lines.back(), address);
    start = end + 1;
  }
  sdi::testing::FakeClock clock;
  ScriptedLine line(lines, clock);
  sdi::Session session(line, clock, sdi::Micros(50'000));
  (void)session.Identify(address);
  if (auto values = session.Measure(address, command)) {
    Require(values->size() <= 99);
  }
  return 0;
}
