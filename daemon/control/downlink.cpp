// SPDX-License-Identifier: Apache-2.0
#include "daemon/control/downlink.hpp"

#include <spdlog/spdlog.h>

namespace cityedge::control {

Downlink::Downlink(Authorizer& authorizer, Dispatcher& dispatcher, ReplySender send)
    : authorizer_(authorizer), dispatcher_(dispatcher), send_(std::move(send)) {
  worker_ = std::thread([this] { Run(); });
}

Downlink::~Downlink() { Stop(); }

void Downlink::Enqueue(uplink::InboundCommand command) {
  {
    std::lock_guard lock(mu_);
    ++stats_.received;
    if (stopping_) return;
    if (queue_.size() >= kMaxQueued) {
      // Rate limiting happens after the signature check, which is the costly
      // part; a flood beyond the queue is shed here unanswered.
      ++stats_.dropped;
      return;
    }
    queue_.push_back(std::move(command));
  }
  cv_.notify_one();
}

void Downlink::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

DownlinkStats Downlink::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Downlink::Run() {
  while (true) {
    uplink::InboundCommand command;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      command = std::move(queue_.front());
      queue_.pop_front();
    }
    Handle(command);
  }
}

void Downlink::Handle(const uplink::InboundCommand& command) {
  v1::CommandReply reply;
  auto checked = authorizer_.Check(command.payload);
  {
    std::lock_guard lock(mu_);
    ++(checked ? stats_.accepted : stats_.refused);
  }
  if (checked) {
    Caller caller{Caller::Transport::kMqtt, true, "platform"};
    reply = dispatcher_.Handle(*checked, caller);
  } else {
    spdlog::warn("control: MQTT command {} refused: {}",
                 checked.error().command_id.empty() ? "(unreadable)" : checked.error().command_id,
                 checked.error().message);
    reply = MakeReply(checked.error().command_id, checked.error().code, checked.error().message);
  }
  if (auto s = send_(command, reply.SerializeAsString()); !s) {
    spdlog::warn("control: reply to MQTT command {} not sent: {}", reply.id(), s.error());
  }
}

}  // namespace cityedge::control
