#include "pipelines/sample_tap.hpp"

#include <chrono>
#include <utility>

namespace cityedge::pipelines {
namespace {

// A driver answers a read with one reading per channel; Collect gathers the
// burst for this long after the first.
constexpr std::int64_t kReadBurstMs = 200;

}  // namespace

void SampleTap::OnSample(const Sample& sample) {
  {
    std::shared_lock lock(router_mu_);
    if (router_) router_->OnSample(sample);
  }
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

}  // namespace cityedge::pipelines
