// SPDX-License-Identifier: Apache-2.0
#include "tests/fakes/event_sink.hpp"

#include <utility>

namespace cityedge::fakes {

Status RecordingSink::Emit(v1::Event event) {
  {
    std::lock_guard lock(mu_);
    if (failure_) {
      ++refused_;
      return std::unexpected(*failure_);
    }
    events_.push_back(std::move(event));
  }
  changed_.notify_all();
  return OkStatus();
}

void RecordingSink::FailWith(Error error) {
  std::lock_guard lock(mu_);
  failure_ = std::move(error);
}

void RecordingSink::Recover() {
  std::lock_guard lock(mu_);
  failure_.reset();
}

std::vector<v1::Event> RecordingSink::Events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::vector<v1::Event> RecordingSink::Take() {
  std::lock_guard lock(mu_);
  return std::exchange(events_, {});
}

std::size_t RecordingSink::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

std::size_t RecordingSink::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

bool RecordingSink::WaitFor(const Predicate& done, std::chrono::milliseconds limit) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, limit, [&] { return done(events_); });
}

std::vector<v1::DriverStatus> RecordingSink::Statuses(const std::string& instance) const {
  std::vector<v1::DriverStatus> out;
  for (const v1::Event& e : Events()) {
    if (e.has_driver_status() && e.driver_status().instance() == instance) {
      out.push_back(e.driver_status());
    }
  }
  return out;
}

std::vector<v1::Reading> RecordingSink::Readings(const std::string& source) const {
  std::vector<v1::Reading> out;
  for (const v1::Event& e : Events()) {
    if (e.has_reading() && e.source() == source) out.push_back(e.reading());
  }
  return out;
}

}  // namespace cityedge::fakes
