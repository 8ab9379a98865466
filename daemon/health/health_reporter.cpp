// SPDX-License-Identifier: Apache-2.0
#include "daemon/health/health_reporter.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace cityedge::health {
namespace {

constexpr auto kClockPoll = std::chrono::seconds(1);

}  // namespace

v1::Event MakeHealthEvent(const Snapshot& now, const Snapshot* previous, double interval_s,
                          const clock::Clock& clock) {
  v1::Event event;
  event.set_source(now.gateway_id);
  event.set_priority(v1::PRIORITY_CLASS_HEALTH);
  clock.Stamp(event.mutable_capture_time());
  *event.mutable_gateway_health() = MakeGatewayHealth(now, previous, interval_s);
  return event;
}

HealthReporter::HealthReporter(const Collector& collector, EventSink& sink,
                               const clock::Clock& clock, std::chrono::milliseconds interval,
                               ClockKeeper* keeper)
    : collector_(collector), sink_(sink), clock_(clock), interval_(interval), keeper_(keeper) {}

HealthReporter::~HealthReporter() { Stop(); }

void HealthReporter::Start() {
  // The first interval's CPU % and frame rates need a starting point.
  previous_ = collector_.Collect();
  previous_mono_ns_ = clock_.MonotonicNs();
  thread_ = std::thread([this] { Run(); });
}

void HealthReporter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HealthReporter::Run() {
  auto next_report = std::chrono::steady_clock::now() + interval_;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto wake = std::min(next_report, std::chrono::steady_clock::now() + kClockPoll);
    if (cv_.wait_until(lock, wake, [this] { return stopping_; })) break;
    lock.unlock();
    if (keeper_ != nullptr) keeper_->Poll();
    if (std::chrono::steady_clock::now() >= next_report) {
      Report();
      next_report += interval_;
      // After a long suspend, do not fire a burst of catch-up events.
      next_report = std::max(next_report, std::chrono::steady_clock::now());
    }
    lock.lock();
  }
}

void HealthReporter::Report() {
  Snapshot now = collector_.Collect();
  const std::int64_t mono = clock_.MonotonicNs();
  const double interval_s = static_cast<double>(mono - previous_mono_ns_) / 1e9;
  v1::Event event = MakeHealthEvent(now, previous_ ? &*previous_ : nullptr, interval_s, clock_);
  if (auto s = sink_.Emit(std::move(event)); !s) {
    spdlog::warn("health event not journaled: {}", s.error());
  }
  previous_ = std::move(now);
  previous_mono_ns_ = mono;
}

}  // namespace cityedge::health
