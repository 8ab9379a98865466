// SPDX-License-Identifier: Apache-2.0
// Runs platform_subscriber.py (the stand-in city platform) as a child process
// and reads its report.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace cityedge::testing {

struct StateSeen {
  std::uint64_t session_seq = 0;
  std::string status;  // "online", "offline"
  bool retained = false;
  std::string reason;
};

struct PlatformSummary {
  std::uint64_t distinct = 0;
  std::uint64_t events = 0;
  std::uint64_t batches = 0;
  std::uint64_t historical_batches = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t missing_count = 0;
  std::uint64_t max_seq = 0;
  std::uint64_t decode_errors = 0;
  // Event or state messages with a bytes field that could hold an image.
  std::uint64_t image_payloads = 0;
  double span_s = 0;
  double first_event_unix = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  std::string json;  // the whole line, for failure messages
};

// THREADING: one thread.
class PlatformSubscriber {
 public:
  // `args` are passed to the script (--port, --gateway, --expect-seqs ...).
  [[nodiscard]] static Result<PlatformSubscriber> Start(const std::vector<std::string>& args);

  // Waits for the n-th SUBACK; collects STATE lines on the way.
  [[nodiscard]] bool WaitSubscribed(int n, std::chrono::milliseconds timeout);
  // Waits for a state line matching status and a minimum session seq.
  [[nodiscard]] bool WaitState(const std::string& status, std::uint64_t min_seq,
                               std::chrono::milliseconds timeout);
  // Reads until the SUMMARY line (the script ends on its own condition).
  [[nodiscard]] Result<PlatformSummary> Finish(std::chrono::milliseconds timeout);
  // SIGTERM, then Finish.
  [[nodiscard]] Result<PlatformSummary> Stop(std::chrono::milliseconds timeout);

  [[nodiscard]] const std::vector<StateSeen>& states() const { return states_; }

 private:
  explicit PlatformSubscriber(Process process) : process_(std::move(process)) {}
  void Absorb(const std::string& line);

  Process process_;
  std::vector<StateSeen> states_;
  int subscribed_ = 0;
  std::string summary_line_;
};

}  // namespace cityedge::testing
