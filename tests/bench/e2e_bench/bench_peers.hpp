// SPDX-License-Identifier: Apache-2.0
// The two MQTT peers of e2e_bench that are not the gateway: a counting
// subscriber on its own connection, and a raw Paho publisher that sends one
// event per QoS 1 message. Both are bench code and include Paho directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/status.hpp"

namespace mqtt {
class async_client;
}  // namespace mqtt

namespace cityedge::bench {

using Clock = std::chrono::steady_clock;

// Monotonic now in ns, the same clock as Timestamp.monotonic_ns (one host).
[[nodiscard]] std::int64_t MonotonicNs();

// One event of a batch not flagged historical, as the subscriber took it.
struct LiveSample {
  std::uint64_t seq = 0;
  int priority = 0;
  std::int64_t capture_ns = 0;  // Timestamp.monotonic_ns of the capture
  std::int64_t receipt_ns = 0;  // MonotonicNs() at receipt
};

// What the subscriber saw of one stream since the last Reset.
struct StreamCounts {
  std::uint64_t unique = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t messages = 0;
  std::optional<Clock::time_point> first;     // first message
  std::optional<Clock::time_point> last_new;  // last message with a new seq
  std::optional<Clock::time_point> first_historical;
  std::vector<double> latencies_ms;     // capture -> receipt, new seqs only
  std::uint64_t historical_unique = 0;  // new seqs that came in historical batches
  std::optional<Clock::time_point> last_historical_new;
  std::vector<LiveSample> live;  // new seqs of live batches, when recorded
};

// Subscribes to {prefix}/{gw}/events/# (EventBatch payloads) and to the raw
// topic (one Event per message), counting unique seqs per stream.
// THREADING: Paho calls back on its own thread; every public method is safe
// from any thread.
class CountingSubscriber {
 public:
  static constexpr const char* kRawTopic = "bench/raw";

  // Connects and subscribes; fails after `timeout` naming the step. A
  // `persistent` session (clean start off, one hour expiry) keeps its
  // subscriptions and queued messages in a broker that persists them.
  [[nodiscard]] static Result<std::unique_ptr<CountingSubscriber>> Connect(
      const std::string& uri, const std::string& events_filter, bool persistent,
      std::chrono::milliseconds timeout);
  // Publishes a retained message and waits for its PUBACK (a change that makes
  // a persisting broker save its database).
  [[nodiscard]] Status PublishRetained(const std::string& topic, std::chrono::milliseconds timeout);
  ~CountingSubscriber();
  CountingSubscriber(const CountingSubscriber&) = delete;
  CountingSubscriber& operator=(const CountingSubscriber&) = delete;

  // Clears both streams; latencies are kept only when `record_latency`, live
  // samples only when `record_live`.
  void Reset(bool record_latency, bool record_live = false);
  // Starts or stops keeping live samples without clearing what was counted.
  void RecordLive(bool record_live);
  [[nodiscard]] StreamCounts Gateway() const;
  [[nodiscard]] StreamCounts Raw() const;
  [[nodiscard]] std::uint64_t GatewayUnique() const;
  [[nodiscard]] std::uint64_t RawUnique() const;
  [[nodiscard]] std::uint64_t undecodable() const;
  void Disconnect();

 private:
  struct Stream {
    StreamCounts counts;
    std::vector<bool> seen;  // indexed by seq
  };
  explicit CountingSubscriber(std::unique_ptr<mqtt::async_client> client);
  void OnMessage(const std::string& topic, const std::string& payload);
  void Count(Stream& stream, const v1::Event& event, Clock::time_point now, std::int64_t now_ns,
             bool historical);

  std::unique_ptr<mqtt::async_client> client_;
  mutable std::mutex mutex_;
  bool record_latency_ = false;
  bool record_live_ = false;
  Stream gateway_;
  Stream raw_;
  std::uint64_t undecodable_ = 0;
};

// The serialized Event the raw publisher sends: the synthetic source's event
// with `seq` set and stamped now.
[[nodiscard]] v1::Event SyntheticEvent(std::uint64_t seq);

struct RawResult {
  std::uint64_t acked = 0;
  Clock::time_point start;
  Clock::time_point all_acked;
  std::vector<double> ack_latencies_ms;  // publish -> PUBACK, per message
  std::uint32_t broker_receive_maximum = 0;
};

// Publishes `count` events, one per QoS 1 message, keeping at most `window`
// unacknowledged. With `rate` > 0 messages leave on a fixed schedule of `rate`
// per second; otherwise as fast as the window allows. Returns after the last
// PUBACK; fails if any PUBACK takes longer than `ack_timeout`.
[[nodiscard]] Result<RawResult> RunRawPublisher(const std::string& uri, std::uint64_t count,
                                                std::size_t window, double rate,
                                                std::chrono::milliseconds ack_timeout);

}  // namespace cityedge::bench
