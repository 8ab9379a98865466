// SPDX-License-Identifier: Apache-2.0
#include "tests/fakes/transport.hpp"

#include <utility>

namespace cityedge::fakes {

void FakeBroker::AckHeld() {
  std::vector<std::uint64_t> tags;
  uplink::TransportListener* to = nullptr;
  {
    std::lock_guard lock(mutex);
    tags.swap(held);
    to = listener;
  }
  for (std::uint64_t tag : tags) to->OnPublishOutcome(uplink::PublishOutcome{tag, true, 0, ""});
}

void FakeBroker::Drop(const std::string& cause) {
  uplink::TransportListener* to = nullptr;
  {
    std::lock_guard lock(mutex);
    connected = false;
    held.clear();
    to = listener;
  }
  to->OnConnectionLost(cause);
}

std::vector<Published> FakeBroker::Snapshot() {
  std::lock_guard lock(mutex);
  return published;
}

void FakeTransport::SetListener(uplink::TransportListener* listener) {
  std::lock_guard lock(broker_->mutex);
  broker_->listener = listener;
}

Result<uplink::SessionInfo> FakeTransport::Connect(const uplink::ConnectParams& params) {
  std::lock_guard lock(broker_->mutex);
  broker_->connect_attempts.push_back(params.uri);
  broker_->wills.push_back(params.will);
  if (broker_->down_uris.contains(params.uri)) {
    return MakeError(Code::kUnavailable, "connection refused by {}", params.uri);
  }
  ++broker_->connections;
  broker_->connected = true;
  uplink::SessionInfo info = broker_->limits;
  info.uri = params.uri;
  return info;
}

Status FakeTransport::Subscribe(const std::string&, int) { return OkStatus(); }

Status FakeTransport::Publish(std::uint64_t tag, const uplink::OutboundMessage& message) {
  int reason = 0;
  bool answer_now = false;
  uplink::TransportListener* to = nullptr;
  {
    std::lock_guard lock(broker_->mutex);
    if (!broker_->connected) return MakeError(Code::kUnavailable, "not connected");
    broker_->published.push_back(Published{tag, message, broker_->connections});
    if (tag == 0) return OkStatus();
    auto refused = broker_->refuse_topic.find(message.topic);
    if (refused != broker_->refuse_topic.end()) reason = refused->second;
    answer_now = broker_->auto_ack || reason != 0;
    if (!answer_now) broker_->held.push_back(tag);
    to = broker_->listener;
  }
  if (answer_now) to->OnPublishOutcome(uplink::PublishOutcome{tag, true, reason, ""});
  return OkStatus();
}

Status FakeTransport::PublishAndWait(const uplink::OutboundMessage& message, std::int64_t) {
  return Publish(0, message);
}

void FakeTransport::Disconnect(std::int64_t) {
  std::lock_guard lock(broker_->mutex);
  broker_->connected = false;
}

}  // namespace cityedge::fakes
