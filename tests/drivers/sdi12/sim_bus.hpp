// SPDX-License-Identifier: Apache-2.0
// An SDI-12 bus in memory for the session and poller tests: sensors that
// answer commands the way the spec says (or, on purpose, do not), and a
// clock that only moves when the session waits or reads, so rules about
// time (measurement delays, service requests, the 87 ms listening window)
// are checked without waiting.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "drivers/sdi12/protocol.hpp"
#include "drivers/sdi12/session.hpp"

namespace cityedge::drivers::sdi12::testing {

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point Now() override { return now_; }
  bool Wait(Micros duration) override {
    now_ += duration;
    return Stopping();
  }
  bool Stopping() override { return stop_after_waits_ >= 0 && ++waits_ > stop_after_waits_; }
  void Advance(Micros d) { now_ += d; }
  // Makes Stopping() true after `n` more checks.
  void StopAfter(int n) {
    stop_after_waits_ = n;
    waits_ = 0;
  }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
  int stop_after_waits_ = -1;
  int waits_ = 0;
};

struct SimSensor {
  std::string identification = "14ACME    LVL100123SN42";  // body of aI!
  int seconds = 0;                                         // ttt
  // Fake time after aM! when the service request comes; nullopt: none.
  std::optional<Micros> service_request;
  std::vector<double> values{1.5, -2.25};
  int announce = -1;    // count announced; -1: values.size()
  int per_data = 3;     // values per aDn! answer
  int bad_crc = 0;      // so many data answers carry a broken CRC
  bool silent = false;  // never answers
  std::string garbage;  // when set, every answer is this line
};

class SimBus final : public Line {
 public:
  explicit SimBus(FakeClock& clock) : clock_(clock) {}

  std::map<char, SimSensor> sensors;
  std::vector<std::string> log;  // every command written, "BREAK" for breaks

  sdk::Status SetBreak(bool on) override {
    if (on) log.emplace_back("BREAK");
    return {};
  }
  void DiscardInput() override { reply_.reset(); }
  sdk::Status Write(std::string_view text) override {
    log.emplace_back(text);
    reply_ = Answer(std::string(text));
    return {};
  }
  sdk::Result<std::optional<std::string>> ReadLine(Micros first_byte, Micros) override {
    if (reply_) {
      std::string line = *reply_;
      reply_.reset();
      clock_.Advance(kCharTime * static_cast<int>(line.size() + 2));
      return std::optional<std::string>(line);
    }
    if (request_ && *request_ - clock_.Now() <= first_byte) {
      const char address = request_address_;
      if (*request_ > clock_.Now())
        clock_.Advance(std::chrono::duration_cast<Micros>(*request_ - clock_.Now()));
      request_.reset();
      return std::optional<std::string>(std::string(1, address));
    }
    clock_.Advance(first_byte);
    return std::optional<std::string>();
  }

 private:
  std::optional<std::string> Answer(const std::string& command) {
    if (command.size() < 2 || command.back() != '!') return std::nullopt;
    const char a = command[0];
    auto it = sensors.find(a);
    if (it == sensors.end() || it->second.silent) return std::nullopt;
    SimSensor& s = it->second;
    if (!s.garbage.empty()) return s.garbage;
    const std::string body = command.substr(1, command.size() - 2);
    const std::string addr(1, a);
    if (body == "I") return addr + s.identification;
    const int count = s.announce >= 0 ? s.announce : static_cast<int>(s.values.size());
    if (body[0] == 'M' || body[0] == 'C') {
      auto cmd = ParseMeasureCommand(body);
      if (!cmd) return std::nullopt;
      crc_[a] = cmd->crc;
      if (!cmd->concurrent && s.service_request) {
        request_ = clock_.Now() + *s.service_request;
        request_address_ = a;
      }
      return fmt::format("{}{:03}{:0{}}", a, s.seconds, count, cmd->concurrent ? 2 : 1);
    }
    if (body[0] == 'D' && body.size() == 2) {
      const int index = body[1] - '0';
      const auto from = static_cast<std::size_t>(index * s.per_data);
      std::vector<double> part;
      for (std::size_t i = from;
           i < s.values.size() && i < from + static_cast<std::size_t>(s.per_data); ++i) {
        part.push_back(s.values[i]);
      }
      std::string text = addr + FormatValues(part, 3);
      if (!crc_[a]) return text;
      std::string line = WithCrc(text);
      if (s.bad_crc > 0) {
        --s.bad_crc;
        line.back() = line.back() == 'A' ? 'B' : 'A';
      }
      return line;
    }
    return std::nullopt;
  }

  FakeClock& clock_;
  std::optional<std::string> reply_;
  std::optional<std::chrono::steady_clock::time_point> request_;
  char request_address_ = 0;
  std::map<char, bool> crc_;  // per sensor: its last measurement asked for a CRC
};

}  // namespace cityedge::drivers::sdi12::testing
