// SPDX-License-Identifier: Apache-2.0
// A scripted broker behind the uplink's Transport interface. The test keeps a
// shared_ptr to the FakeBroker and hands the uplink a FakeTransport over it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "daemon/uplink/transport.hpp"

namespace cityedge::uplink::testing {

struct Published {
  std::uint64_t tag = 0;
  OutboundMessage message;
  int connection = 0;  // which connect (1-based) carried it
};

// THREADING: every method is safe from any thread.
class FakeBroker {
 public:
  std::mutex mutex;
  TransportListener* listener = nullptr;
  std::set<std::string> down_uris;          // Connect to these fails with "refused"
  SessionInfo limits;                       // maximum_packet_size, receive_maximum
  std::atomic<bool> auto_ack{true};         // atomic: tests flip it while the uplink runs
  std::map<std::string, int> refuse_topic;  // topic -> PUBACK reason
  std::vector<Published> published;
  std::vector<std::uint64_t> held;  // tags not yet answered (auto_ack off)
  std::vector<std::string> connect_attempts;
  std::vector<OutboundMessage> wills;
  std::atomic<int> connections{0};  // atomic: tests poll it while the uplink connects
  bool connected = false;

  // Answers every held publish with success.
  void AckHeld() {
    std::vector<std::uint64_t> tags;
    TransportListener* to = nullptr;
    {
      std::lock_guard lock(mutex);
      tags.swap(held);
      to = listener;
    }
    for (std::uint64_t tag : tags) to->OnPublishOutcome(PublishOutcome{tag, true, 0, ""});
  }

  // Simulates a dropped TCP connection.
  void Drop(const std::string& cause) {
    TransportListener* to = nullptr;
    {
      std::lock_guard lock(mutex);
      connected = false;
      held.clear();
      to = listener;
    }
    to->OnConnectionLost(cause);
  }

  std::vector<Published> Snapshot() {
    std::lock_guard lock(mutex);
    return published;
  }
};

class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(std::shared_ptr<FakeBroker> broker) : broker_(std::move(broker)) {}

  void SetListener(TransportListener* listener) override {
    std::lock_guard lock(broker_->mutex);
    broker_->listener = listener;
  }

  Result<SessionInfo> Connect(const ConnectParams& params) override {
    std::lock_guard lock(broker_->mutex);
    broker_->connect_attempts.push_back(params.uri);
    broker_->wills.push_back(params.will);
    if (broker_->down_uris.contains(params.uri)) {
      return MakeError(Code::kUnavailable, "connection refused by {}", params.uri);
    }
    ++broker_->connections;
    broker_->connected = true;
    SessionInfo info = broker_->limits;
    info.uri = params.uri;
    return info;
  }

  Status Subscribe(const std::string&, int) override { return OkStatus(); }

  Status Publish(std::uint64_t tag, const OutboundMessage& message) override {
    int reason = 0;
    bool answer_now = false;
    TransportListener* to = nullptr;
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
    if (answer_now) to->OnPublishOutcome(PublishOutcome{tag, true, reason, ""});
    return OkStatus();
  }

  Status PublishAndWait(const OutboundMessage& message, std::int64_t) override {
    return Publish(0, message);
  }

  void Disconnect(std::int64_t) override {
    std::lock_guard lock(broker_->mutex);
    broker_->connected = false;
  }

 private:
  std::shared_ptr<FakeBroker> broker_;
};

// Polls `done` every 5 ms for up to `timeout`; bounded, never asserts time.
inline bool Eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace cityedge::uplink::testing
