// SPDX-License-Identifier: Apache-2.0
// Replay (DESIGN.md §3.7, `cityedge replay` and the MQTT replay command):
// events the journal still holds, chosen by a seq range or a capture-time
// range, sent to the platform again through the uplink, flagged historical,
// at a paced rate. The journal is not changed and the events keep their seq,
// so the platform's dedup on (gateway id, seq) sees them as what they are.
//
// Planning reads the journal (a seq range by key, a capture-time range through
// the journal's capture index) and refuses ranges above kMaxReplayEvents; the
// sender thread publishes batches of consecutive events of one class, about
// ten a second, and while the uplink is disconnected retries the same batch
// every second until it goes out or the replay is stopped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "cityedge/v1/command.pb.h"
#include "daemon/core/status.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/uplink.hpp"

namespace cityedge::uplink {

inline constexpr std::uint64_t kMaxReplayEvents = 100'000;
inline constexpr std::uint32_t kDefaultReplayRate = 500;  // events per second

// What a replay request found.
struct ReplayPlan {
  std::uint64_t events = 0;  // events found in the range and queued for sending
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t missing = 0;  // seqs of a seq range no longer held
};

// The events a request names, ascending by seq, and the plan that describes
// them. Refuses a request with both or neither range, an empty or inverted
// range, or more than kMaxReplayEvents events.
[[nodiscard]] Result<std::vector<journal::LeasedEvent>> PlanReplay(journal::Journal& journal,
                                                                   const v1::ReplayRequest& request,
                                                                   ReplayPlan* plan);

// The replay in progress, or the last one: events sent of events planned.
struct ReplayProgress {
  bool running = false;
  std::uint64_t sent = 0;
  std::uint64_t total = 0;
};

// One replay at a time, on its own sender thread.
// OWNERSHIP: journal and uplink are borrowed and outlive the replayer.
// THREADING: every method is safe from any thread.
class Replayer {
 public:
  Replayer(journal::Journal& journal, Uplink& uplink) : journal_(journal), uplink_(uplink) {}
  ~Replayer();  // Stop()
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;

  // Plans the request and starts sending it. Fails with kNotFound when the
  // range holds no event any more, and kFailedPrecondition while another
  // replay is still being sent.
  [[nodiscard]] Result<ReplayPlan> Start(const v1::ReplayRequest& request);
  [[nodiscard]] ReplayProgress Progress() const;
  // Stops a replay in progress where it is, waits for its thread, and
  // refuses later ones (the daemon is stopping).
  void Stop();

 private:
  void Run(std::vector<journal::LeasedEvent> events, std::uint32_t rate_per_s);

  journal::Journal& journal_;
  Uplink& uplink_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread sender_;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> total_{0};
};

}  // namespace cityedge::uplink
