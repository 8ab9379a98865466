// SPDX-License-Identifier: Apache-2.0
#include "pipelines/router.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <spdlog/spdlog.h>

namespace cityedge::pipelines {

Result<std::unique_ptr<PipelineRouter>> PipelineRouter::Create(const v1::Config& config,
                                                               EventSink& sink,
                                                               const clock::Clock& clock) {
  return CreateWithTypes(config, sink, clock, FindPipelineType);
}

Result<std::unique_ptr<PipelineRouter>> PipelineRouter::CreateWithTypes(const v1::Config& config,
                                                                        EventSink& sink,
                                                                        const clock::Clock& clock,
                                                                        TypeLookup find) {
  std::unique_ptr<PipelineRouter> router(new PipelineRouter(clock));
  for (const auto& p : config.pipelines()) {
    if (!p.enabled()) continue;
    const pipelines::PipelineType* type = find(p.type());
    if (type == nullptr) {
      return MakeError(Code::kInvalidArgument, "pipeline {}: unknown type \"{}\"", p.id(),
                       p.type());
    }
    if (!type->create) {
      return MakeError(Code::kInvalidArgument,
                       "pipeline {}: type \"{}\" runs in a vision worker, not in this process",
                       p.id(), p.type());
    }
    pipelines::Context context{p.id(), {p.inputs().begin(), p.inputs().end()}, &sink, &clock};
    config::Settings settings({p.settings().begin(), p.settings().end()});
    auto created = type->create(settings, std::move(context));
    if (!created) return std::unexpected(created.error().Wrap(fmt::format("pipeline {}", p.id())));
    auto instance = std::make_unique<Instance>();
    instance->id = p.id();
    instance->type = p.type();
    instance->pipeline = std::move(*created);
    if (type->consumes_frames) instance->slot = std::make_unique<FrameSlot>();
    for (const auto& input : p.inputs()) router->routes_[input].push_back(instance.get());
    router->instances_.push_back(std::move(instance));
  }
  return router;
}

PipelineRouter::~PipelineRouter() { Stop(); }

void PipelineRouter::Deliver(Instance& instance, const Sample& sample) {
  std::lock_guard lock(instance.mutex);
  instance.pipeline->OnSample(sample);
  instance.samples.fetch_add(1, std::memory_order_relaxed);
}

void PipelineRouter::OnSample(const Sample& sample) {
  if (routes_.empty()) return;
  // A pipeline may subscribe to a whole instance or one channel of it.
  if (auto it = routes_.find(sample.source); it != routes_.end()) {
    for (Instance* instance : it->second) Deliver(*instance, sample);
  }
  std::string key;
  key.reserve(sample.source.size() + 1 + sample.channel.size());
  key.append(sample.source).append("/").append(sample.channel);
  if (auto it = routes_.find(key); it != routes_.end()) {
    for (Instance* instance : it->second) Deliver(*instance, sample);
  }
}

void PipelineRouter::OnFrame(const Frame& frame) {
  auto it = routes_.find(frame.source);
  if (it == routes_.end()) return;
  for (Instance* instance : it->second) {
    if (instance->slot) Offer(*instance, frame);
  }
}

void PipelineRouter::Offer(Instance& instance, const Frame& frame) {
  FrameSlot& slot = *instance.slot;
  std::optional<Frame> replaced;  // released outside the lock: release runs driver code
  {
    std::lock_guard lock(slot.mutex);
    if (slot.stopping) return;
    auto it = slot.waiting.find(frame.source);
    if (it == slot.waiting.end()) {
      it = slot.waiting.emplace(std::string(frame.source), frame).first;
    } else {
      replaced = std::move(it->second);
      instance.frames_dropped.fetch_add(1, std::memory_order_relaxed);
      it->second = frame;
    }
    it->second.source = it->first;
  }
  slot.ready.notify_one();
}

void PipelineRouter::FrameLoop(Instance& instance) {
  FrameSlot& slot = *instance.slot;
  std::string source;
  while (true) {
    Frame frame;
    {
      std::unique_lock lock(slot.mutex);
      slot.ready.wait(lock, [&slot] { return slot.stopping || !slot.waiting.empty(); });
      if (slot.stopping) return;
      auto oldest = std::min_element(
          slot.waiting.begin(), slot.waiting.end(), [](const auto& a, const auto& b) {
            return a.second.capture_time.wall_unix_ns() < b.second.capture_time.wall_unix_ns();
          });
      source = oldest->first;
      frame = std::move(oldest->second);
      slot.waiting.erase(oldest);
    }
    frame.source = source;
    std::lock_guard lock(instance.mutex);
    instance.pipeline->OnFrame(frame);
    instance.frames.fetch_add(1, std::memory_order_relaxed);
  }
}

void PipelineRouter::Start() {
  if (ticker_.joinable()) return;
  for (auto& instance : instances_) {
    if (instance->slot) {
      instance->slot->worker = std::thread([this, i = instance.get()] { FrameLoop(*i); });
    }
  }
  last_tick_ns_.store(std::chrono::steady_clock::now().time_since_epoch().count());
  ticker_ = std::thread([this] { TickLoop(); });
}

void PipelineRouter::TickLoop() {
  std::unique_lock lock(tick_mutex_);
  while (!tick_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
    lock.unlock();
    const std::int64_t now = clock_.MonotonicNs();
    for (auto& instance : instances_) {
      std::lock_guard instance_lock(instance->mutex);
      while (instance->id == stall_for_test_ && !stop_requested_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      instance->pipeline->OnTick(now);
    }
    last_tick_ns_.store(std::chrono::steady_clock::now().time_since_epoch().count());
    lock.lock();
  }
}

void PipelineRouter::Stop() {
  stop_requested_.store(true);
  {
    std::lock_guard lock(tick_mutex_);
    stopping_ = true;
  }
  tick_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  for (auto& instance : instances_) {
    if (!instance->slot) continue;
    FrameSlot& slot = *instance->slot;
    std::map<std::string, Frame, std::less<>> waiting;  // released outside the lock
    {
      std::lock_guard lock(slot.mutex);
      slot.stopping = true;
      waiting.swap(slot.waiting);
    }
    slot.ready.notify_all();
    if (slot.worker.joinable()) slot.worker.join();
  }
}

std::vector<PipelineInstanceStatus> PipelineRouter::Instances() const {
  std::vector<PipelineInstanceStatus> out;
  for (const auto& i : instances_) {
    out.push_back({i->id, i->type, i->samples.load(), i->frames.load(), i->frames_dropped.load()});
  }
  return out;
}

}  // namespace cityedge::pipelines
