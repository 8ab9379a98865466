// SPDX-License-Identifier: Apache-2.0
#include "daemon/uplink/replay.hpp"

#include <algorithm>
#include <chrono>

#include "daemon/core/log.hpp"

namespace cityedge::uplink {
namespace {

constexpr std::size_t kReplayBatchEvents = 200;

Result<std::vector<journal::LeasedEvent>> PlanSeqRange(journal::Journal& journal,
                                                       const v1::ReplayRequest& request,
                                                       ReplayPlan* plan) {
  if (request.first_seq() == 0 || request.first_seq() > request.last_seq()) {
    return MakeError(Code::kInvalidArgument, "seq range {}..{} is empty or starts at 0",
                     request.first_seq(), request.last_seq());
  }
  const std::uint64_t span = request.last_seq() - request.first_seq() + 1;
  if (span > kMaxReplayEvents) {
    return MakeError(Code::kInvalidArgument, "seq range of {} is above the {} a replay may hold",
                     span, kMaxReplayEvents);
  }
  auto rows = journal.ReadRange(request.first_seq(), request.last_seq(), span);
  if (!rows) return std::unexpected(rows.error());
  plan->missing = span - rows->size();
  return std::move(*rows);
}

Result<std::vector<journal::LeasedEvent>> PlanTimeRange(journal::Journal& journal,
                                                        const v1::ReplayRequest& request) {
  if (request.from_unix_ns() > request.to_unix_ns()) {
    return MakeError(Code::kInvalidArgument, "time range ends before it starts");
  }
  auto rows =
      journal.ReadCaptured(request.from_unix_ns(), request.to_unix_ns(), kMaxReplayEvents + 1);
  if (!rows) return std::unexpected(rows.error());
  if (rows->size() > kMaxReplayEvents) {
    return MakeError(Code::kInvalidArgument,
                     "the time range holds more than {} events; replay a shorter range",
                     kMaxReplayEvents);
  }
  return std::move(*rows);
}

}  // namespace

Result<std::vector<journal::LeasedEvent>> PlanReplay(journal::Journal& journal,
                                                     const v1::ReplayRequest& request,
                                                     ReplayPlan* plan) {
  const bool by_seq = request.first_seq() != 0 || request.last_seq() != 0;
  const bool by_time = request.from_unix_ns() != 0 || request.to_unix_ns() != 0;
  if (by_seq == by_time) {
    return MakeError(Code::kInvalidArgument,
                     "give either a seq range (first_seq..last_seq) or a time range, not {}",
                     by_seq ? "both" : "neither");
  }
  auto events = by_seq ? PlanSeqRange(journal, request, plan) : PlanTimeRange(journal, request);
  if (!events) return events;
  plan->events = events->size();
  if (!events->empty()) {
    plan->first_seq = events->front().seq;
    plan->last_seq = events->back().seq;
  }
  return events;
}

Replayer::~Replayer() { Stop(); }

Result<ReplayPlan> Replayer::Start(const v1::ReplayRequest& request) {
  ReplayPlan plan;
  auto events = PlanReplay(journal_, request, &plan);
  if (!events) return std::unexpected(events.error());
  if (events->empty()) {
    return MakeError(Code::kNotFound, "the journal holds no event in that range any more");
  }
  std::lock_guard lock(mu_);
  if (stop_) return MakeError(Code::kUnavailable, "the daemon is stopping");
  if (running_.load()) {
    return MakeError(Code::kFailedPrecondition, "a replay is still being sent; retry when it ends");
  }
  if (sender_.joinable()) sender_.join();
  running_ = true;
  sent_ = 0;
  total_ = events->size();
  const std::uint32_t rate = request.rate_per_s() > 0 ? request.rate_per_s() : kDefaultReplayRate;
  sender_ = std::thread([this, e = std::move(*events), rate]() mutable {
    Run(std::move(e), rate);
    running_ = false;
  });
  return plan;
}

ReplayProgress Replayer::Progress() const {
  return ReplayProgress{running_.load(), sent_.load(), total_.load()};
}

void Replayer::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (sender_.joinable()) sender_.join();
}

void Replayer::Run(std::vector<journal::LeasedEvent> events, std::uint32_t rate_per_s) {
  std::size_t at = 0;
  while (at < events.size()) {
    // One batch holds consecutive events of one class.
    v1::Event first;
    (void)first.ParseFromString(events[at].payload);
    const v1::PriorityClass priority = first.priority();
    std::vector<journal::LeasedEvent> batch;
    // About ten batches a second, so the pace holds within 100 ms.
    const std::size_t most = std::clamp<std::size_t>(rate_per_s / 10, 1, kReplayBatchEvents);
    while (at < events.size() && batch.size() < most) {
      v1::Event e;
      (void)e.ParseFromString(events[at].payload);
      if (e.priority() != priority) break;
      batch.push_back(events[at++]);
    }
    const auto pause = std::chrono::milliseconds(1000 * batch.size() / rate_per_s);
    const std::size_t sent_events = batch.size();
    while (true) {
      Status sent = uplink_.PublishReplay(priority, batch);
      std::unique_lock lock(mu_);
      if (sent) {
        sent_ += batch.size();
        if (cv_.wait_for(lock, pause, [this] { return stop_; })) return;
        break;
      }
      // Disconnected: wait for the link and send the same batch again.
      if (cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) return;
    }
    spdlog::debug("replay: sent {} event(s)", sent_events);
  }
  spdlog::info("replay: {} event(s) sent, flagged historical", events.size());
}

}  // namespace cityedge::uplink
