// SPDX-License-Identifier: Apache-2.0
#include "tests/bench/e2e_bench/bench_peers.hpp"

#include <time.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include <mqtt/async_client.h>

#include "daemon/core/clock.hpp"

namespace cityedge::bench {
namespace {

constexpr int kMqtt5 = 5;
constexpr int kPersistentSessionS = 3600;

double MsBetween(std::int64_t from_ns, std::int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e6;
}

// Waits for a Paho token; false on timeout. Paho reports failures by throwing.
bool WaitToken(const mqtt::token_ptr& token, std::chrono::milliseconds timeout) {
  return token->wait_for(timeout);
}

}  // namespace

std::int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

v1::Event SyntheticEvent(std::uint64_t seq) {
  v1::Event event;
  event.set_seq(seq);
  event.set_priority(v1::PRIORITY_CLASS_TELEMETRY);
  event.set_source("aq1");
  clock::Default().Stamp(event.mutable_capture_time());
  v1::Reading* reading = event.mutable_reading();
  reading->set_channel("pm2_5");
  reading->set_value(static_cast<double>(seq % 1000));
  reading->set_unit("ug/m3");
  return event;
}

CountingSubscriber::CountingSubscriber(std::unique_ptr<mqtt::async_client> client)
    : client_(std::move(client)) {}

CountingSubscriber::~CountingSubscriber() { Disconnect(); }

Result<std::unique_ptr<CountingSubscriber>> CountingSubscriber::Connect(
    const std::string& uri, const std::string& events_filter, bool persistent,
    std::chrono::milliseconds timeout) {
  try {
    auto client = std::make_unique<mqtt::async_client>(uri, "bench-sub",
                                                       mqtt::create_options(kMqtt5), nullptr);
    std::unique_ptr<CountingSubscriber> sub(new CountingSubscriber(std::move(client)));
    CountingSubscriber* self = sub.get();
    sub->client_->set_message_callback([self](mqtt::const_message_ptr m) {
      self->OnMessage(m->get_topic(), m->get_payload_str());
    });
    auto options =
        mqtt::connect_options_builder()
            .mqtt_version(kMqtt5)
            .clean_start(!persistent)
            .keep_alive_interval(std::chrono::seconds(5))
            .connect_timeout(timeout)
            .properties(mqtt::properties{mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL,
                                                        persistent ? kPersistentSessionS : 0)})
            .finalize();
    if (!WaitToken(sub->client_->connect(options), timeout)) {
      return MakeError(Code::kDeadlineExceeded, "subscriber: no CONNACK from {} within {} ms", uri,
                       timeout.count());
    }
    for (const std::string& filter : {events_filter, std::string(kRawTopic)}) {
      if (!WaitToken(sub->client_->subscribe(filter, 1), timeout)) {
        return MakeError(Code::kDeadlineExceeded, "subscriber: no SUBACK for {} within {} ms",
                         filter, timeout.count());
      }
    }
    return sub;
  } catch (const mqtt::exception& e) {
    return MakeError(Code::kUnavailable, "subscriber on {}: {}", uri, e.what());
  }
}

void CountingSubscriber::Disconnect() {
  if (!client_) return;
  try {
    if (client_->is_connected()) client_->disconnect(200)->wait_for(std::chrono::seconds(1));
  } catch (const mqtt::exception&) {
    // The broker is already gone; nothing to close.
  }
}

Status CountingSubscriber::PublishRetained(const std::string& topic,
                                           std::chrono::milliseconds timeout) {
  try {
    if (!client_->publish(topic, "x", 1, 1, true)->wait_for(timeout)) {
      return MakeError(Code::kDeadlineExceeded, "subscriber: no PUBACK for {} within {} ms", topic,
                       timeout.count());
    }
    return OkStatus();
  } catch (const mqtt::exception& e) {
    return MakeError(Code::kUnavailable, "subscriber: publish {}: {}", topic, e.what());
  }
}

void CountingSubscriber::Reset(bool record_latency, bool record_live) {
  std::lock_guard lock(mutex_);
  record_latency_ = record_latency;
  record_live_ = record_live;
  gateway_ = Stream{};
  raw_ = Stream{};
  undecodable_ = 0;
}

void CountingSubscriber::RecordLive(bool record_live) {
  std::lock_guard lock(mutex_);
  record_live_ = record_live;
}

StreamCounts CountingSubscriber::Gateway() const {
  std::lock_guard lock(mutex_);
  return gateway_.counts;
}
StreamCounts CountingSubscriber::Raw() const {
  std::lock_guard lock(mutex_);
  return raw_.counts;
}
std::uint64_t CountingSubscriber::GatewayUnique() const {
  std::lock_guard lock(mutex_);
  return gateway_.counts.unique;
}
std::uint64_t CountingSubscriber::RawUnique() const {
  std::lock_guard lock(mutex_);
  return raw_.counts.unique;
}
std::uint64_t CountingSubscriber::undecodable() const {
  std::lock_guard lock(mutex_);
  return undecodable_;
}

void CountingSubscriber::OnMessage(const std::string& topic, const std::string& payload) {
  const Clock::time_point now = Clock::now();
  const std::int64_t now_ns = MonotonicNs();
  if (topic == kRawTopic) {
    v1::Event event;
    const bool ok = event.ParseFromString(payload);
    std::lock_guard lock(mutex_);
    if (!ok) {
      ++undecodable_;
      return;
    }
    ++raw_.counts.messages;
    Count(raw_, event, now, now_ns, false);
    return;
  }
  v1::EventBatch batch;
  const bool ok = batch.ParseFromString(payload);
  std::lock_guard lock(mutex_);
  if (!ok) {
    ++undecodable_;
    return;
  }
  ++gateway_.counts.messages;
  for (const v1::Event& event : batch.events()) {
    Count(gateway_, event, now, now_ns, batch.historical());
  }
}

void CountingSubscriber::Count(Stream& stream, const v1::Event& event, Clock::time_point now,
                               std::int64_t now_ns, bool historical) {
  StreamCounts& c = stream.counts;
  if (!c.first) c.first = now;
  if (historical && !c.first_historical) c.first_historical = now;
  const std::uint64_t seq = event.seq();
  if (seq >= stream.seen.size())
    stream.seen.resize(std::max<std::size_t>(seq + 1, 2 * stream.seen.size()));
  if (stream.seen[seq]) {
    ++c.duplicates;
    return;
  }
  stream.seen[seq] = true;
  ++c.unique;
  c.last_new = now;
  if (historical) {
    ++c.historical_unique;
    c.last_historical_new = now;
  }
  if (record_live_ && !historical) {
    c.live.push_back(LiveSample{seq, static_cast<int>(event.priority()),
                                event.capture_time().monotonic_ns(), now_ns});
  }
  if (record_latency_) {
    c.latencies_ms.push_back(MsBetween(event.capture_time().monotonic_ns(), now_ns));
  }
}

namespace {

// Records PUBACK times by message index and lets the sender wait for room in
// its window.
class AckTracker final : public mqtt::iaction_listener {
 public:
  explicit AckTracker(std::uint64_t count) : acked_at_ns_(count, 0) {}

  void on_success(const mqtt::token& tok) override {
    const auto index = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
    acked_at_ns_[index] = MonotonicNs();
    {
      std::lock_guard lock(mutex_);
      ++acked_;
    }
    cv_.notify_all();
  }
  void on_failure(const mqtt::token& tok) override {
    {
      std::lock_guard lock(mutex_);
      failure_ = fmt::format("publish failed (rc {}, reason 0x{:02x})", tok.get_return_code(),
                             static_cast<int>(tok.get_reason_code()));
    }
    cv_.notify_all();
  }
  // Waits until fewer than `window` of `sent` are unacknowledged.
  Status WaitForRoom(std::uint64_t sent, std::size_t window, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const bool room =
        cv_.wait_for(lock, timeout, [&] { return !failure_.empty() || sent - acked_ < window; });
    if (!failure_.empty()) return MakeError(Code::kUnavailable, "raw publisher: {}", failure_);
    if (!room) {
      return MakeError(Code::kDeadlineExceeded,
                       "raw publisher: waited {} ms for a PUBACK ({} of {} sent acknowledged)",
                       timeout.count(), acked_, sent);
    }
    return OkStatus();
  }
  [[nodiscard]] std::uint64_t acked() {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  [[nodiscard]] std::int64_t acked_at_ns(std::size_t i) const { return acked_at_ns_[i]; }

 private:
  std::vector<std::int64_t> acked_at_ns_;  // each written once by Paho's thread
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t acked_ = 0;
  std::string failure_;
};

Result<std::uint32_t> ConnectRaw(mqtt::async_client& client, std::chrono::milliseconds timeout) {
  auto options = mqtt::connect_options_builder()
                     .mqtt_version(kMqtt5)
                     .clean_start(true)
                     .keep_alive_interval(std::chrono::seconds(5))
                     .connect_timeout(timeout)
                     .finalize();
  mqtt::token_ptr token = client.connect(options);
  if (!WaitToken(token, timeout)) {
    return MakeError(Code::kDeadlineExceeded, "raw publisher: no CONNACK within {} ms",
                     timeout.count());
  }
  const mqtt::properties& props = token->get_connect_response().get_properties();
  if (!props.contains(mqtt::property::RECEIVE_MAXIMUM)) return 0;
  return mqtt::get<std::uint16_t>(props, mqtt::property::RECEIVE_MAXIMUM);
}

}  // namespace

Result<RawResult> RunRawPublisher(const std::string& uri, std::uint64_t count, std::size_t window,
                                  double rate, std::chrono::milliseconds ack_timeout) {
  try {
    mqtt::async_client client(uri, "bench-raw", mqtt::create_options(kMqtt5), nullptr);
    RawResult result;
    auto receive_maximum = ConnectRaw(client, ack_timeout);
    if (!receive_maximum) return std::unexpected(receive_maximum.error());
    result.broker_receive_maximum = *receive_maximum;
    AckTracker tracker(count);
    std::vector<std::int64_t> sent_at_ns(count, 0);
    result.start = Clock::now();
    for (std::uint64_t i = 0; i < count; ++i) {
      if (rate > 0) {
        std::this_thread::sleep_until(
            result.start + std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * i / rate)));
      }
      if (Status room = tracker.WaitForRoom(i, window, ack_timeout); !room) {
        return std::unexpected(room.error());
      }
      const std::string payload = SyntheticEvent(i + 1).SerializeAsString();
      sent_at_ns[i] = MonotonicNs();
      client.publish(mqtt::make_message(CountingSubscriber::kRawTopic, payload, 1, false),
                     reinterpret_cast<void*>(static_cast<std::uintptr_t>(i)), tracker);
    }
    if (Status all = tracker.WaitForRoom(count, 1, ack_timeout); !all) {
      return std::unexpected(all.error());
    }
    result.all_acked = Clock::now();
    result.acked = tracker.acked();
    result.ack_latencies_ms.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      result.ack_latencies_ms.push_back(MsBetween(sent_at_ns[i], tracker.acked_at_ns(i)));
    }
    client.disconnect(200)->wait_for(std::chrono::seconds(1));
    return result;
  } catch (const mqtt::exception& e) {
    return MakeError(Code::kUnavailable, "raw publisher on {}: {}", uri, e.what());
  }
}

}  // namespace cityedge::bench
