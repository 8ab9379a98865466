// SPDX-License-Identifier: Apache-2.0
#include "pipelines/sample_tap.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

namespace cityedge::pipelines {
namespace {

// A driver answers a read with one reading per channel; Collect gathers the
// burst for this long after the first.
constexpr std::int64_t kReadBurstMs = 200;

std::int64_t SteadySecond() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void SampleTap::OnSample(const Sample& sample) {
  {
    std::shared_lock lock(router_mu_);
    if (router_) router_->OnSample(sample);
  }
  KeepRecent(sample);
  std::lock_guard lock(mu_);
  auto it = expected_.find(sample.source);
  if (it == expected_.end()) return;
  v1::Event event;
  event.set_source(std::string(sample.source));
  *event.mutable_capture_time() = *sample.capture_time;
  event.set_priority(v1::PRIORITY_CLASS_TELEMETRY);
  auto* reading = event.mutable_reading();
  reading->set_channel(std::string(sample.channel));
  reading->set_value(sample.value);
  reading->set_unit(std::string(sample.unit));
  reading->set_quality(sample.quality);
  it->second.push_back(std::move(event));
  cv_.notify_all();
}

void SampleTap::OnFrame(const Frame& frame) {
  {
    std::shared_lock lock(router_mu_);
    if (router_) router_->OnFrame(frame);
  }
  std::lock_guard lock(mu_);
  auto& [id, kept] = frames_[std::string(frame.source)];
  id.assign(frame.source);
  kept = frame;
  kept.source = id;
}

void SampleTap::StopRouter() {
  std::shared_lock lock(router_mu_);
  if (router_) router_->Stop();
}

std::unique_ptr<PipelineRouter> SampleTap::Swap(std::unique_ptr<PipelineRouter> router) {
  std::unique_lock lock(router_mu_);
  std::swap(router_, router);
  return router;
}

std::optional<std::int64_t> SampleTap::LastTickSteadyNs() const {
  std::shared_lock lock(router_mu_);
  if (!router_) return std::nullopt;
  return router_->LastTickSteadyNs();
}

std::vector<PipelineInstanceStatus> SampleTap::Pipelines() const {
  std::shared_lock lock(router_mu_);
  if (!router_) return {};
  return router_->Instances();
}

void SampleTap::Expect(const std::string& instance) {
  std::lock_guard lock(mu_);
  expected_[instance].clear();
}

std::vector<v1::Event> SampleTap::Collect(const std::string& instance, std::int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  auto has_some = [&] { return !expected_[instance].empty(); };
  if (cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), has_some)) {
    // A driver answers with one reading per channel; gather the burst.
    cv_.wait_for(lock, std::chrono::milliseconds(kReadBurstMs), [] { return false; });
  }
  std::vector<v1::Event> events = std::move(expected_[instance]);
  expected_.erase(instance);
  return events;
}

std::optional<Frame> SampleTap::NewestFrame(const std::string& instance) const {
  std::lock_guard lock(mu_);
  auto it = frames_.find(instance);
  if (it == frames_.end()) return std::nullopt;
  return it->second.second;
}

void SampleTap::KeepRecent(const Sample& sample) {
  const std::int64_t now = SteadySecond();
  std::lock_guard lock(recent_mu_);
  auto instance = recent_.find(sample.source);
  if (instance == recent_.end()) instance = recent_.emplace(sample.source, Channels{}).first;
  auto channel = instance->second.find(sample.channel);
  if (channel == instance->second.end()) {
    channel = instance->second.emplace(sample.channel, Ring{}).first;
    channel->second.values.fill(std::numeric_limits<double>::quiet_NaN());
  }
  Ring& ring = channel->second;
  // Seconds skipped since the last reading read as gaps.
  for (std::int64_t s = std::max(ring.last_second + 1, now - kRecentSeconds + 1); s < now; ++s) {
    ring.values[static_cast<std::size_t>(s % kRecentSeconds)] =
        std::numeric_limits<double>::quiet_NaN();
  }
  if (ring.unit != sample.unit) ring.unit.assign(sample.unit);
  ring.values[static_cast<std::size_t>(now % kRecentSeconds)] = sample.value;
  ring.last_second = now;
}

std::vector<SampleTap::RecentSeries> SampleTap::Recent(int seconds) const {
  seconds = seconds <= 0 || seconds > kRecentSeconds ? kRecentSeconds : seconds;
  const std::int64_t now = SteadySecond();
  std::vector<RecentSeries> out;
  std::lock_guard lock(recent_mu_);
  for (const auto& [instance, channels] : recent_) {
    for (const auto& [channel, ring] : channels) {
      if (ring.last_second <= now - seconds) continue;  // nothing in the window
      RecentSeries series{instance, channel, ring.unit, {}};
      series.values.reserve(static_cast<std::size_t>(seconds));
      for (std::int64_t s = now - seconds + 1; s <= now; ++s) {
        series.values.push_back(s > ring.last_second
                                    ? std::numeric_limits<double>::quiet_NaN()
                                    : ring.values[static_cast<std::size_t>(s % kRecentSeconds)]);
      }
      out.push_back(std::move(series));
    }
  }
  return out;
}

}  // namespace cityedge::pipelines
