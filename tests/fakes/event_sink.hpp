// SPDX-License-Identifier: Apache-2.0
// The one fake EventSink of the tests: it keeps every event it accepts, in
// arrival order, for the test to look at or wait for, and it can be told to
// refuse events the way a journal that is closing does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::fakes {

// THREADING: every method is safe from any thread; Emit wakes WaitFor.
// Events keep the seq the emitter gave them (0, as the contract asks): this
// sink assigns none.
class RecordingSink final : public EventSink {
 public:
  using Predicate = std::function<bool(const std::vector<v1::Event>&)>;

  // Keeps the event, or returns the error set by FailWith (keeping nothing).
  [[nodiscard]] Status Emit(v1::Event event) override;

  // From now on Emit refuses every event with `error`, until Recover.
  void FailWith(Error error);
  void Recover();

  // A copy of the events kept so far.
  [[nodiscard]] std::vector<v1::Event> Events() const;
  // The events kept so far; the sink starts over empty.
  [[nodiscard]] std::vector<v1::Event> Take();
  [[nodiscard]] std::size_t size() const;
  // How many events Emit refused.
  [[nodiscard]] std::size_t refused() const;

  // Waits until `done(events kept)` holds; false once `limit` passed. The
  // limit only bounds a failing test; a passing one never reaches it.
  bool WaitFor(const Predicate& done, std::chrono::milliseconds limit = std::chrono::seconds(10));

  // The driver status events of one instance, and the readings of one source.
  [[nodiscard]] std::vector<v1::DriverStatus> Statuses(const std::string& instance) const;
  [[nodiscard]] std::vector<v1::Reading> Readings(const std::string& source) const;

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<v1::Event> events_;
  std::optional<Error> failure_;
  std::size_t refused_ = 0;
};

}  // namespace cityedge::fakes
