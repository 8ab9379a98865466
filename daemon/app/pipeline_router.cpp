#include "daemon/app/pipeline_router.hpp"

#include <chrono>
#include <utility>

#include <spdlog/spdlog.h>

namespace cityedge::app {

Result<std::unique_ptr<PipelineRouter>> PipelineRouter::Create(const v1::Config& config,
                                                               EventSink& sink,
                                                               const clock::Clock& clock) {
  std::unique_ptr<PipelineRouter> router(new PipelineRouter(clock));
  for (const auto& p : config.pipelines()) {
    if (!p.enabled()) continue;
    const pipelines::PipelineType* type = pipelines::FindPipelineType(p.type());
    if (type == nullptr) {
      return MakeError(Code::kInvalidArgument, "pipeline {}: unknown type \"{}\"", p.id(),
                       p.type());
    }
    pipelines::Context context{p.id(), {p.inputs().begin(), p.inputs().end()}, &sink, &clock};
    config::Settings settings({p.settings().begin(), p.settings().end()});
    auto created = type->create(settings, std::move(context));
    if (!created) return std::unexpected(created.error().Wrap(fmt::format("pipeline {}", p.id())));
    auto instance = std::make_unique<Instance>();
    instance->id = p.id();
    instance->type = p.type();
    instance->pipeline = std::move(*created);
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

void PipelineRouter::StartTicking() {
  if (instances_.empty() || ticker_.joinable()) return;
  ticker_ = std::thread([this] { TickLoop(); });
}

void PipelineRouter::TickLoop() {
  std::unique_lock lock(tick_mutex_);
  while (!tick_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
    lock.unlock();
    const std::int64_t now = clock_.MonotonicNs();
    for (auto& instance : instances_) {
      std::lock_guard instance_lock(instance->mutex);
      instance->pipeline->OnTick(now);
    }
    lock.lock();
  }
}

void PipelineRouter::Stop() {
  {
    std::lock_guard lock(tick_mutex_);
    stopping_ = true;
  }
  tick_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

std::vector<PipelineRouter::InstanceInfo> PipelineRouter::Instances() const {
  std::vector<InstanceInfo> out;
  for (const auto& i : instances_) out.push_back({i->id, i->type, i->samples.load()});
  return out;
}

}  // namespace cityedge::app
