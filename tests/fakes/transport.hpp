// SPDX-License-Identifier: Apache-2.0
// The one fake uplink::Transport of the tests: a scripted broker in memory.
// The test keeps a shared_ptr to the FakeBroker, hands the uplink a
// FakeTransport over it, scripts the broker's answers and reads what was
// published, on which connection:
//  - down_uris: Connect to these fails as a refused connection;
//  - limits: the MQTT 5 CONNACK's packet size and receive maximum;
//  - auto_ack: every publish is acknowledged at once; off, tags wait in `held`
//    until AckHeld (a slow broker, a window that fills);
//  - refuse_topic: a publish on the topic gets a PUBACK with that reason code;
//  - Drop: the connection is lost, held publishes with it.
// Subscribe always succeeds and delivers nothing.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "daemon/uplink/transport.hpp"

namespace cityedge::fakes {

// One publish as the broker received it.
struct Published {
  std::uint64_t tag = 0;
  uplink::OutboundMessage message;
  int connection = 0;  // which connect (1-based) carried it
};

// THREADING: every method is safe from any thread. Tests that touch the plain
// fields while an uplink runs hold `mutex`; the listener is called outside it.
class FakeBroker {
 public:
  std::mutex mutex;
  uplink::TransportListener* listener = nullptr;
  std::set<std::string> down_uris;          // Connect to these fails with "refused"
  uplink::SessionInfo limits;               // maximum_packet_size, receive_maximum
  std::atomic<bool> auto_ack{true};         // atomic: tests flip it while the uplink runs
  std::map<std::string, int> refuse_topic;  // topic -> PUBACK reason
  std::vector<Published> published;
  std::vector<std::uint64_t> held;  // tags not yet answered (auto_ack off)
  std::vector<std::string> connect_attempts;
  std::vector<uplink::OutboundMessage> wills;
  std::atomic<int> connections{0};  // atomic: tests poll it while the uplink connects
  bool connected = false;

  // Answers every held publish with success.
  void AckHeld();
  // Simulates a dropped TCP connection: held publishes are lost with it.
  void Drop(const std::string& cause);
  // A copy of every publish so far.
  [[nodiscard]] std::vector<Published> Snapshot();
};

// One client of a FakeBroker. THREADING: as the Transport contract says.
class FakeTransport final : public uplink::Transport {
 public:
  explicit FakeTransport(std::shared_ptr<FakeBroker> broker) : broker_(std::move(broker)) {}

  void SetListener(uplink::TransportListener* listener) override;
  Result<uplink::SessionInfo> Connect(const uplink::ConnectParams& params) override;
  Status Subscribe(const std::string& topic, int qos) override;
  Status Publish(std::uint64_t tag, const uplink::OutboundMessage& message) override;
  // Publishes untagged: the broker records it and answers nothing.
  Status PublishAndWait(const uplink::OutboundMessage& message, std::int64_t timeout_ms) override;
  void Disconnect(std::int64_t timeout_ms) override;

 private:
  std::shared_ptr<FakeBroker> broker_;
};

}  // namespace cityedge::fakes
