// SPDX-License-Identifier: Apache-2.0
// The periodic GatewayHealth event: every health.interval a snapshot is
// turned into an Event (class health, source the gateway id) and emitted into
// the journal, which publishes it like any other event. The same thread polls
// the clock keeper each second.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/health/clock_keeper.hpp"
#include "daemon/health/collector.hpp"

namespace cityedge::health {

// Builds the health event for a snapshot (no seq: the journal assigns it).
[[nodiscard]] v1::Event MakeHealthEvent(const Snapshot& now, const Snapshot* previous,
                                        double interval_s, const clock::Clock& clock);

// THREADING: Start and Stop from one thread (the daemon's main thread); the
// work runs on a thread of its own.
// OWNERSHIP: collector, sink, clock and keeper are borrowed and outlive the
// reporter; keeper may be null.
class HealthReporter {
 public:
  HealthReporter(const Collector& collector, EventSink& sink, const clock::Clock& clock,
                 std::chrono::milliseconds interval, ClockKeeper* keeper);
  ~HealthReporter();  // Stop()

  // Starts the thread; the first event goes out one interval after Start.
  void Start();
  // Stops and joins the thread. Idempotent.
  void Stop();

 private:
  void Run();
  void Report();

  const Collector& collector_;
  EventSink& sink_;
  const clock::Clock& clock_;
  const std::chrono::milliseconds interval_;
  ClockKeeper* const keeper_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  std::optional<Snapshot> previous_;
  std::int64_t previous_mono_ns_ = 0;
};

}  // namespace cityedge::health
