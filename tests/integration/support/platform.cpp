// SPDX-License-Identifier: Apache-2.0
#include "tests/integration/support/platform.hpp"

#include <signal.h>

#include <regex>

namespace cityedge::testing {
namespace {

double NumberField(const std::string& json, const std::string& key) {
  const std::regex pattern("\"" + key + "\": (-?[0-9.eE+-]+)");
  std::smatch match;
  return std::regex_search(json, match, pattern) ? std::stod(match[1].str()) : 0.0;
}

std::string StringField(const std::string& json, const std::string& key) {
  const std::regex pattern("\"" + key + "\": \"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(json, match, pattern) ? match[1].str() : "";
}

PlatformSummary ParseSummary(const std::string& json) {
  PlatformSummary s;
  s.json = json;
  auto u = [&](const char* key) { return static_cast<std::uint64_t>(NumberField(json, key)); };
  s.distinct = u("distinct");
  s.events = u("events");
  s.batches = u("batches");
  s.historical_batches = u("historical_batches");
  s.duplicates = u("duplicates");
  s.missing_count = u("missing_count");
  s.max_seq = u("max_seq");
  s.decode_errors = u("decode_errors");
  s.image_payloads = u("image_payloads");
  s.span_s = NumberField(json, "span_s");
  s.first_event_unix = NumberField(json, "first_event_unix");
  s.latency_p50_ms = NumberField(json, "latency_p50_ms");
  s.latency_p99_ms = NumberField(json, "latency_p99_ms");
  return s;
}

}  // namespace

Result<PlatformSubscriber> PlatformSubscriber::Start(const std::vector<std::string>& args) {
  const std::string source = EnvOr("CITYEDGE_SOURCE_DIR", "");
  std::vector<std::string> argv = {EnvOr("CITYEDGE_PYTHON", "/usr/bin/python3"),
                                   source + "/tests/integration/support/platform_subscriber.py"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto process = Process::Spawn(argv, true);
  if (!process) return std::unexpected(process.error());
  return PlatformSubscriber(std::move(*process));
}

void PlatformSubscriber::Absorb(const std::string& line) {
  if (line.rfind("SUBSCRIBED ", 0) == 0) {
    ++subscribed_;
  } else if (line.rfind("STATE ", 0) == 0) {
    StateSeen state;
    state.session_seq = static_cast<std::uint64_t>(NumberField(line, "session_seq"));
    state.status = StringField(line, "status");
    state.retained = line.find("\"retained\": true") != std::string::npos;
    state.reason = StringField(line, "reason");
    states_.push_back(state);
  } else if (line.rfind("SUMMARY ", 0) == 0) {
    summary_line_ = line.substr(8);
  }
}

bool PlatformSubscriber::WaitSubscribed(int n, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (subscribed_ < n && std::chrono::steady_clock::now() < until) {
    auto line = process_.ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now()));
    if (!line) break;
    Absorb(*line);
  }
  return subscribed_ >= n;
}

bool PlatformSubscriber::WaitState(const std::string& status, std::uint64_t min_seq,
                                   std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  auto seen = [&] {
    for (const StateSeen& s : states_) {
      if (s.status == status && s.session_seq >= min_seq) return true;
    }
    return false;
  };
  while (!seen() && std::chrono::steady_clock::now() < until) {
    auto line = process_.ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now()));
    if (!line) break;
    Absorb(*line);
  }
  return seen();
}

Result<PlatformSummary> PlatformSubscriber::Finish(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (summary_line_.empty() && std::chrono::steady_clock::now() < until) {
    auto line = process_.ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now()));
    if (!line) break;
    Absorb(*line);
  }
  process_.Wait(std::chrono::seconds(5));
  if (summary_line_.empty())
    return MakeError(Code::kDeadlineExceeded, "no summary from subscriber");
  return ParseSummary(summary_line_);
}

Result<PlatformSummary> PlatformSubscriber::Stop(std::chrono::milliseconds timeout) {
  process_.Signal(SIGTERM);
  return Finish(timeout);
}

}  // namespace cityedge::testing
