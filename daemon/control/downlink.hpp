// SPDX-License-Identifier: Apache-2.0
// MQTT downlink: commands the uplink receives on {prefix}/{gw}/cmd are
// queued here (the MQTT callback thread must not block), checked by the
// Authorizer on a worker thread, run by the Dispatcher, and answered through
// the uplink (MQTT 5 response topic, or {prefix}/{gw}/reply). Refusals are
// answered too, with their reason, unless the uplink is down.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/control/authorizer.hpp"
#include "daemon/control/dispatcher.hpp"
#include "daemon/uplink/uplink.hpp"

namespace cityedge::control {

// Sends a serialized CommandReply for a command (the uplink's PublishReply).
using ReplySender = std::function<Status(const uplink::InboundCommand&, std::string)>;

struct DownlinkStats {
  std::uint64_t received = 0;
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  std::uint64_t dropped = 0;  // queue full: more arrived than the worker could check
};

// THREADING: Enqueue from any thread (the MQTT callback thread); one worker.
class Downlink {
 public:
  static constexpr std::size_t kMaxQueued = 64;

  // OWNERSHIP: authorizer and dispatcher are borrowed and outlive the downlink.
  Downlink(Authorizer& authorizer, Dispatcher& dispatcher, ReplySender send);
  ~Downlink();  // Stop()
  Downlink(const Downlink&) = delete;
  Downlink& operator=(const Downlink&) = delete;

  void Enqueue(uplink::InboundCommand command);
  void Stop();
  [[nodiscard]] DownlinkStats Stats() const;

 private:
  void Run();
  void Handle(const uplink::InboundCommand& command);

  Authorizer& authorizer_;
  Dispatcher& dispatcher_;
  ReplySender send_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<uplink::InboundCommand> queue_;
  bool stopping_ = false;
  DownlinkStats stats_;
  std::thread worker_;
};

}  // namespace cityedge::control
