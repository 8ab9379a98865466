// SPDX-License-Identifier: Apache-2.0
#include "daemon/app/components.hpp"

#include <utility>

#include "pipelines/router.hpp"

namespace cityedge::app {

Components::Components(const Registry& registry, journal::Journal& journal,
                       const clock::Clock& clock, pipelines::SampleTap& tap,
                       host::DriverHost& drivers, vision::Supervisor& vision)
    : registry_(registry),
      journal_(journal),
      clock_(clock),
      tap_(tap),
      drivers_(drivers),
      vision_(vision) {}

Components::~Components() { Close(); }

Status Components::Start(const v1::Config& config) { return Start(config, nullptr); }

Status Components::Start(const v1::Config& config, StartFailure* failure) {
  std::lock_guard lock(mu_);
  if (closed_) return MakeError(Code::kUnavailable, "the daemon is stopping");
  const vision::Plan plan = registry_.Split(config);
  const auto failed = [&](StartFailure part, Status status) {
    started_.Stop();
    if (failure != nullptr) *failure = part;
    return status;
  };
  Status s = started_.Start(
      "pipelines",
      [&]() -> Status {
        auto router = pipelines::PipelineRouter::Create(plan.core, journal_, clock_);
        if (!router) return std::unexpected(router.error());
        if (!stall_for_test_.empty()) (*router)->StallForTest(std::exchange(stall_for_test_, ""));
        (*router)->Start();
        tap_.Swap(std::move(*router));
        return OkStatus();
      },
      [this] {
        if (std::unique_ptr<pipelines::PipelineRouter> old = tap_.Swap(nullptr)) old->Stop();
      });
  if (!s) return failed(StartFailure::kPipelines, std::move(s));
  s = started_.Start(
      "drivers", [&] { return drivers_.Start(plan.core); },
      [this] {
        tap_.StopRouter();
        drivers_.StopAll();
      });
  if (!s) return failed(StartFailure::kDrivers, std::move(s));
  // Only the workers whose part of the config changed restart.
  vision_.Apply(plan.workers);
  if (failure != nullptr) *failure = StartFailure::kNone;
  return OkStatus();
}

void Components::Stop() {
  std::lock_guard lock(mu_);
  started_.Stop();
}

void Components::Close() {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  vision_.StopAll();
  started_.Stop();
}

Status Components::RestartDriver(const std::string& instance) {
  std::lock_guard lock(mu_);
  if (closed_) return MakeError(Code::kUnavailable, "the daemon is stopping");
  if (vision_.RunsDriver(instance)) return vision_.RestartDriver(instance);
  return drivers_.RestartInstance(instance);
}

void Components::StallPipelineForTest(std::string pipeline) {
  std::lock_guard lock(mu_);
  stall_for_test_ = std::move(pipeline);
}

}  // namespace cityedge::app
