// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the daemon-level end-to-end tests: the real cityedged
// started on a config in its own working folder, and a reader that follows
// what the platform subscriber (platform_subscriber.py --dump) decoded.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cityedge/v1/event.pb.h"
#include "tests/support/process.hpp"

namespace cityedge::testing::e2e {

// One event as the platform received it, with the batch it came in.
struct ReceivedEvent {
  std::string topic;
  bool historical = false;
  v1::Event event;
};

// Follows the JSON lines platform_subscriber.py appends with --dump FILE.
// THREADING: one thread.
class DumpReader {
 public:
  explicit DumpReader(std::string path) : path_(std::move(path)) {}

  // Parses the complete lines appended since the last call. A line that is
  // not a decoded batch or state is an error (the subscriber is ours).
  [[nodiscard]] Status Poll();

  // Every event in arrival order, duplicates included.
  [[nodiscard]] const std::vector<ReceivedEvent>& received() const { return received_; }
  [[nodiscard]] const std::vector<v1::GatewayState>& states() const { return states_; }
  // The first arrival of each seq, ascending by seq.
  [[nodiscard]] std::vector<ReceivedEvent> Distinct() const;

 private:
  [[nodiscard]] Status ParseLine(const std::string& line);

  std::string path_;
  std::uint64_t offset_ = 0;
  std::vector<ReceivedEvent> received_;
  std::vector<v1::GatewayState> states_;
};

// Polls `reader` every 100 ms until `done` holds or `timeout` passes; false
// on timeout or when a line fails to parse.
[[nodiscard]] bool PollUntil(DumpReader& reader, const std::function<bool()>& done,
                             std::chrono::milliseconds timeout);

// Seqs in 1..max(seq) that neither arrived nor fall in a received gap
// record's range.
[[nodiscard]] std::vector<std::uint64_t> UnaccountedSeqs(const std::vector<ReceivedEvent>& events);

// The topic class an event of this priority must arrive on.
[[nodiscard]] std::string TopicClass(v1::PriorityClass priority);

// cityedged on `config.yaml` written into `work_dir`, which is also its
// working directory (relative paths in the config resolve there). Its log
// goes to work_dir/cityedged.log. `env` is added to its environment (e.g.
// libfaketime's). The destructor SIGKILLs a daemon that is still running.
class Gateway {
 public:
  [[nodiscard]] static Result<Gateway> Start(const std::string& work_dir,
                                             const std::string& config_yaml,
                                             const std::map<std::string, std::string>& env = {});
  // SIGTERM and a bounded wait: the exit status, or nullopt on timeout.
  std::optional<int> Stop(std::chrono::milliseconds timeout);
  [[nodiscard]] std::string LogTail(std::size_t bytes = 4000) const;

 private:
  Gateway(Process process, std::string log_path)
      : process_(std::move(process)), log_path_(std::move(log_path)) {}

  Process process_;
  std::string log_path_;
};

// A replay driver CSV: two minutes of a "temp" channel (degC) rising from 20
// by 0.1 a second, from 2026-11-28T10:00:00Z.
[[nodiscard]] std::string TemperatureRampCsv();

// Replaces every occurrence of `from`; returns how many there were.
int ReplaceAll(std::string& text, const std::string& from, const std::string& to);

[[nodiscard]] std::string ReadText(const std::string& path);

}  // namespace cityedge::testing::e2e
