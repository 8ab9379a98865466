// SPDX-License-Identifier: Apache-2.0
#include "daemon/uplink/uplink.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

#include "daemon/core/steady_clock.hpp"
#include "daemon/uplink/batch.hpp"
#include "daemon/uplink/certificate_time.hpp"
#include "daemon/uplink/connect_diagnosis.hpp"
#include "daemon/uplink/pacing.hpp"
#include "daemon/uplink/session_store.hpp"
#include "daemon/uplink/transport.hpp"
#include "daemon/uplink/uplink_settings.hpp"

namespace cityedge::uplink {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using clock::SteadyNs;
using std::chrono::milliseconds;

constexpr std::size_t kLatencySamples = 1024;
constexpr int kMaxShrinks = 24;

// A batch published and not yet answered, or refused and waiting for a retry.
struct InFlight {
  std::uint64_t lease_id = 0;
  std::size_t events = 0;
  bool historical = false;
  int refusals = 0;
  OutboundMessage message;
  TimePoint sent;
  TimePoint retry_at;
};

enum class Lane { kLive, kBacklog };

// Beyond a wait's own bound, how late the worker may be before the service
// watchdog considers it stuck (a slow fsync of the journal, a busy box).
constexpr auto kProgressSlack = std::chrono::seconds(15);

class UplinkImpl final : public Uplink, public TransportListener {
 public:
  UplinkImpl(UplinkSettings settings, journal::Journal& journal, const clock::Clock& clock,
             BirthProvider birth, std::unique_ptr<Transport> transport);
  ~UplinkImpl() override { Stop(milliseconds(2000)); }

  Status Start() override;
  void Stop(milliseconds timeout) override;
  UplinkStats GetStats() const override;
  void SetCommandHandler(CommandHandler handler) override;
  void SetTimeFloor(TimeFloor floor) override;
  Status PublishReply(const InboundCommand& command, std::string reply_payload) override;
  void RequestRebirth() override;
  Status PublishReplay(v1::PriorityClass priority,
                       std::vector<journal::LeasedEvent> events) override;

  void OnPublishOutcome(const PublishOutcome& outcome) override;
  void OnConnectionLost(const std::string& cause) override;
  void OnMessage(InboundMessage message) override;

 private:
  void OnCommit(std::uint64_t durable_seq);
  void Run();
  bool SleepUnlessStopping(milliseconds delay);
  void ExpectProgressWithin(milliseconds bound);
  bool Connect();
  Status LoadSession();
  std::uint64_t NextSessionSeq();
  void BeginSession(const SessionInfo& info);
  OutboundMessage StateMessage(bool online, const std::string& reason);
  void Serve();
  bool WaitForWork(TimePoint wake, std::vector<PublishOutcome>* outcomes, std::string* lost,
                   bool* rebirth);
  void FillWindow(TimePoint now, TimePoint* wake);
  bool LiveReady(TimePoint now, TimePoint* wake);
  bool TakeAndSend(Lane lane, std::size_t max_events, TimePoint* wake);
  Result<std::optional<journal::Lease>> TakeFitting(const journal::LeaseRequest& request,
                                                    std::string* payload, bool historical);
  bool Send(InFlight batch);
  void SendDueRetries(TimePoint now, TimePoint* wake);
  void HandleOutcome(const PublishOutcome& outcome);
  void Refused(InFlight batch, int reason);
  void CloseGracefully();
  void EndSession(const std::string& cause, bool failure);
  void NoteError(const std::string& error);
  void Forget(const InFlight& batch);

  const UplinkSettings settings_;
  journal::Journal& journal_;
  const clock::Clock& clock_;
  const BirthProvider birth_;
  const std::unique_ptr<Transport> transport_;
  const Topics topics_;
  SessionStore store_;

  // Shared with the transport threads, the commit listener and readers.
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  bool wake_ = false;
  bool rebirth_requested_ = false;
  TimePoint stop_deadline_;
  bool lost_ = false;
  std::string lost_cause_;
  std::deque<PublishOutcome> outcomes_;
  std::uint64_t durable_seq_ = 0;
  std::uint64_t live_probe_seq_ = 0;  // live rows up to here were seen taken
  std::optional<TimePoint> live_pending_since_;
  UplinkStats stats_;
  std::vector<double> latencies_ms_;
  std::size_t latency_next_ = 0;
  CommandHandler handler_;
  TimeFloor time_floor_;

  // Worker thread only.
  std::thread worker_;
  std::unordered_map<std::uint64_t, InFlight> inflight_;
  std::deque<InFlight> retries_;
  std::uint64_t next_tag_ = 1;
  std::uint64_t boundary_ = 0;
  bool backlog_remaining_ = false;
  std::size_t backlog_inflight_ = 0;
  std::size_t window_ = 1;
  std::size_t payload_limit_ = 0;
  std::uint64_t session_seq_ = 0;
  bool session_seq_used_ = true;
  std::size_t broker_index_ = 0;
  std::optional<std::int64_t> logged_check_time_s_;
  std::size_t failures_in_round_ = 0;
  TimePoint connected_at_;
  Backoff backoff_;
  TokenBucket bucket_;
};

UplinkImpl::UplinkImpl(UplinkSettings settings, journal::Journal& journal,
                       const clock::Clock& clock, BirthProvider birth,
                       std::unique_ptr<Transport> transport)
    : settings_(std::move(settings)),
      journal_(journal),
      clock_(clock),
      birth_(std::move(birth)),
      transport_(std::move(transport)),
      topics_(MakeTopics(settings_.topic_prefix, settings_.gateway_id)),
      store_(settings_.state_dir + "/uplink_session_seq"),
      backoff_(settings_.backoff_initial_ms, settings_.backoff_max_ms, std::random_device{}()),
      bucket_(settings_.drain_rate,
              std::clamp<double>(settings_.drain_rate, 1.0,
                                 static_cast<double>(settings_.max_batch_events)),
              SteadyNs(SteadyClock::now())) {
  transport_->SetListener(this);
}

Status UplinkImpl::Start() {
  if (Status loaded = LoadSession(); !loaded) return loaded;
  {
    std::lock_guard lock(mutex_);
    if (started_) return MakeError(Code::kFailedPrecondition, "uplink already started");
    started_ = true;
    durable_seq_ = journal_.DurableSeq();
    stats_.session_seq = session_seq_;
  }
  journal_.SetCommitListener([this](std::uint64_t seq) { OnCommit(seq); });
  worker_ = std::thread([this] { Run(); });
  return OkStatus();
}

Status UplinkImpl::LoadSession() {
  auto seq = store_.Load();
  if (!seq) return std::unexpected(seq.error());
  session_seq_ = *seq;
  // The stored seq may have been used by the previous process.
  session_seq_used_ = true;
  return OkStatus();
}

void UplinkImpl::Stop(milliseconds timeout) {
  bool started;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) stop_deadline_ = SteadyClock::now() + timeout;
    stopping_ = true;
    wake_ = true;
    started = started_;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  // The journal may commit after this object is gone.
  if (started) journal_.SetCommitListener([](std::uint64_t) {});
}

void UplinkImpl::OnCommit(std::uint64_t durable_seq) {
  {
    std::lock_guard lock(mutex_);
    durable_seq_ = std::max(durable_seq_, durable_seq);
    if (!live_pending_since_ && durable_seq_ > live_probe_seq_) {
      live_pending_since_ = SteadyClock::now();
    }
    wake_ = true;
  }
  cv_.notify_all();
}

void UplinkImpl::OnPublishOutcome(const PublishOutcome& outcome) {
  {
    std::lock_guard lock(mutex_);
    outcomes_.push_back(outcome);
    wake_ = true;
  }
  cv_.notify_all();
}

void UplinkImpl::OnConnectionLost(const std::string& cause) {
  {
    std::lock_guard lock(mutex_);
    lost_ = true;
    lost_cause_ = cause;
    wake_ = true;
  }
  cv_.notify_all();
}

void UplinkImpl::OnMessage(InboundMessage message) {
  if (message.topic != topics_.cmd) return;
  CommandHandler handler;
  {
    std::lock_guard lock(mutex_);
    handler = handler_;
  }
  if (handler) {
    handler(InboundCommand{std::move(message.payload), std::move(message.response_topic),
                           std::move(message.correlation_data)});
  }
}

void UplinkImpl::SetCommandHandler(CommandHandler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

void UplinkImpl::SetTimeFloor(TimeFloor floor) {
  std::lock_guard lock(mutex_);
  time_floor_ = std::move(floor);
}

Status UplinkImpl::PublishReply(const InboundCommand& command, std::string reply_payload) {
  OutboundMessage message;
  {
    std::lock_guard lock(mutex_);
    if (!stats_.connected) return MakeError(Code::kUnavailable, "uplink not connected");
  }
  const bool to_response_topic = settings_.mqtt5 && !command.response_topic.empty();
  message.topic = to_response_topic ? command.response_topic : topics_.reply;
  message.payload = std::move(reply_payload);
  if (to_response_topic) message.correlation_data = command.correlation_data;
  return transport_->Publish(0, message);
}

void UplinkImpl::RequestRebirth() {
  {
    std::lock_guard lock(mutex_);
    // A connect publishes a birth anyway; only a live session needs a new one.
    if (!stats_.connected) return;
    rebirth_requested_ = true;
    wake_ = true;
  }
  cv_.notify_all();
}

Status UplinkImpl::PublishReplay(v1::PriorityClass priority,
                                 std::vector<journal::LeasedEvent> events) {
  journal::Lease lease;
  lease.priority = priority;
  lease.events = std::move(events);
  OutboundMessage message;
  {
    std::lock_guard lock(mutex_);
    if (!stats_.connected) return MakeError(Code::kUnavailable, "uplink not connected");
    message.payload = PackBatch(lease, settings_.gateway_id, stats_.session_seq, true);
  }
  message.topic = topics_.events + PriorityTopicClass(priority);
  return transport_->Publish(0, message);
}

UplinkStats UplinkImpl::GetStats() const {
  std::lock_guard lock(mutex_);
  UplinkStats stats = stats_;
  std::vector<double> sorted = latencies_ms_;
  std::sort(sorted.begin(), sorted.end());
  if (!sorted.empty()) {
    stats.publish_latency_p50_ms = sorted[sorted.size() / 2];
    stats.publish_latency_p99_ms = sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
  }
  return stats;
}

void UplinkImpl::ExpectProgressWithin(milliseconds bound) {
  const auto deadline = SteadyClock::now() + bound + kProgressSlack;
  std::lock_guard lock(mutex_);
  stats_.progress_deadline_steady_ns = SteadyNs(deadline);
}

bool UplinkImpl::SleepUnlessStopping(milliseconds delay) {
  ExpectProgressWithin(delay);
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, delay, [this] { return stopping_; });
  return !stopping_;
}

void UplinkImpl::Run() {
  if (!SleepUnlessStopping(
          milliseconds(backoff_.UniformMs(settings_.first_connect_delay_max_ms)))) {
    return;
  }
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    ExpectProgressWithin(milliseconds(settings_.connect_timeout_ms));
    if (Connect()) {
      Serve();
      if (SteadyClock::now() - connected_at_ >= milliseconds(settings_.stable_after_ms)) {
        backoff_.Reset();
      }
      failures_in_round_ = 0;
    } else if (failures_in_round_ < settings_.brokers.size()) {
      continue;  // the next broker of this round, at once
    }
    failures_in_round_ = 0;
    if (!SleepUnlessStopping(milliseconds(backoff_.NextDelayMs()))) return;
  }
}

std::uint64_t UplinkImpl::NextSessionSeq() {
  // A seq that never reached a broker is reused, so births count sessions.
  if (session_seq_used_) {
    ++session_seq_;
    session_seq_used_ = false;
    if (Status saved = store_.Save(session_seq_); !saved) {
      spdlog::warn("uplink: cannot persist session seq: {}", saved.error().ToString());
      NoteError(saved.error().ToString());
    }
  }
  return session_seq_;
}

OutboundMessage UplinkImpl::StateMessage(bool online, const std::string& reason) {
  v1::GatewayState state;
  if (online && birth_) state = birth_();
  state.set_gateway_id(settings_.gateway_id);
  state.set_session_seq(session_seq_);
  state.set_status(online ? v1::GatewayState::STATUS_ONLINE : v1::GatewayState::STATUS_OFFLINE);
  state.set_schema_version(kSchemaVersion);
  clock_.Stamp(state.mutable_time());
  state.set_clock_state(clock_.Sync().state);
  if (online) {
    const journal::Stats stats = journal_.GetStats();
    state.set_backlog_rows(stats.queued_rows);
    state.set_backlog_bytes(stats.queued_bytes);
  } else {
    state.set_offline_reason(reason);
  }
  OutboundMessage message;
  message.topic = topics_.state;
  message.payload = state.SerializeAsString();
  message.retain = true;
  return message;
}

bool UplinkImpl::Connect() {
  const std::string& uri = settings_.brokers[broker_index_];
  ConnectParams params{uri,
                       settings_.gateway_id,
                       settings_.mqtt5,
                       settings_.keepalive_ms,
                       settings_.connect_timeout_ms,
                       settings_.username,
                       settings_.password,
                       settings_.tls,
                       {},
                       std::nullopt};
  NextSessionSeq();
  params.will = StateMessage(false, "connection lost");
  TimeFloor floor;
  {
    std::lock_guard lock(mutex_);
    floor = time_floor_;
  }
  if (floor) {
    params.certificate_check_time_s = CertificateCheckTime(clock_.WallNs(), floor());
    const auto address = ParseBrokerUri(uri);
    if (params.certificate_check_time_s && address && address->tls &&
        params.certificate_check_time_s != logged_check_time_s_) {
      logged_check_time_s_ = params.certificate_check_time_s;
      spdlog::info(
          "uplink: the clock reads before its last known good time; checking the "
          "certificate of {} at {:%Y-%m-%d %H:%M:%S} UTC",
          uri, fmt::gmtime(static_cast<std::time_t>(*params.certificate_check_time_s)));
    }
  }
  {
    std::lock_guard lock(mutex_);
    lost_ = false;
    outcomes_.clear();
  }
  auto info = transport_->Connect(params);
  if (!info) {
    spdlog::warn("uplink: connect to {} failed: {}", uri, info.error().ToString());
    NoteError(info.error().ToString());
    std::lock_guard lock(mutex_);
    ++stats_.connect_failures;
    ++failures_in_round_;
    broker_index_ = (broker_index_ + 1) % settings_.brokers.size();
    return false;
  }
  session_seq_used_ = true;
  if (Status subscribed = transport_->Subscribe(topics_.cmd, 1); !subscribed) {
    spdlog::warn("uplink: {}; commands will not arrive this session",
                 subscribed.error().ToString());
  }
  BeginSession(*info);
  if (Status birth = transport_->Publish(0, StateMessage(true, "")); !birth) {
    NoteError(birth.error().ToString());
  }
  spdlog::info("uplink: connected to {} (session {}, MQTT {})", uri, session_seq_,
               settings_.mqtt5 ? "5" : "3.1.1");
  return true;
}

void UplinkImpl::BeginSession(const SessionInfo& info) {
  connected_at_ = SteadyClock::now();
  boundary_ = journal_.DurableSeq();
  backlog_remaining_ = boundary_ > 0;
  bucket_.Fill(SteadyNs(connected_at_));
  window_ = settings_.inflight_window;
  if (info.receive_maximum > 0) window_ = std::min<std::size_t>(window_, info.receive_maximum);
  payload_limit_ = settings_.max_batch_bytes;
  const std::size_t overhead = PublishOverheadBytes(topics_.events.size() + 16);
  if (info.maximum_packet_size > 0) {
    payload_limit_ = std::min<std::size_t>(payload_limit_, info.maximum_packet_size > overhead
                                                               ? info.maximum_packet_size - overhead
                                                               : 1);
  }
  std::lock_guard lock(mutex_);
  live_probe_seq_ = boundary_;
  live_pending_since_.reset();
  if (durable_seq_ > boundary_) live_pending_since_ = connected_at_;
  ++stats_.connects;
  if (stats_.connects > 1) ++stats_.reconnects;
  stats_.connected = true;
  stats_.broker = info.uri;
  stats_.session_seq = session_seq_;
  stats_.maximum_packet_size = info.maximum_packet_size;
}

void UplinkImpl::Serve() {
  while (true) {
    const TimePoint now = SteadyClock::now();
    TimePoint wake = now + milliseconds(1000);
    ExpectProgressWithin(milliseconds(1000));
    SendDueRetries(now, &wake);
    FillWindow(now, &wake);
    std::vector<PublishOutcome> outcomes;
    std::string lost;
    bool rebirth = false;
    const bool stop = WaitForWork(wake, &outcomes, &lost, &rebirth);
    for (const PublishOutcome& outcome : outcomes) HandleOutcome(outcome);
    if (rebirth) {
      if (Status sent = transport_->Publish(0, StateMessage(true, "")); !sent) {
        NoteError(sent.error().ToString());
      }
    }
    if (!lost.empty()) {
      EndSession(lost, true);
      return;
    }
    if (stop) {
      CloseGracefully();
      return;
    }
  }
}

// Returns true when stopping; `lost` is set when the session ended.
bool UplinkImpl::WaitForWork(TimePoint wake, std::vector<PublishOutcome>* outcomes,
                             std::string* lost, bool* rebirth) {
  std::unique_lock lock(mutex_);
  cv_.wait_until(lock, wake, [this] { return wake_ || lost_ || stopping_; });
  wake_ = false;
  *rebirth = std::exchange(rebirth_requested_, false);
  outcomes->assign(outcomes_.begin(), outcomes_.end());
  outcomes_.clear();
  if (lost_) *lost = lost_cause_.empty() ? "connection lost" : lost_cause_;
  return stopping_;
}

void UplinkImpl::FillWindow(TimePoint now, TimePoint* wake) {
  const std::size_t backlog_slots = window_ > 1 ? window_ - 1 : 1;
  while (inflight_.size() < window_) {
    if (LiveReady(now, wake) && TakeAndSend(Lane::kLive, settings_.max_batch_events, wake)) {
      continue;
    }
    if (!backlog_remaining_ || backlog_inflight_ >= backlog_slots) return;
    const std::uint64_t target = std::min<std::uint64_t>(
        settings_.max_batch_events,
        std::clamp<std::uint64_t>(static_cast<std::uint64_t>(settings_.drain_rate), 1,
                                  settings_.max_batch_events));
    const std::int64_t now_ns = SteadyNs(now);
    if (!bucket_.unlimited() && bucket_.Available(now_ns) < target) {
      *wake = std::min(*wake, now + std::chrono::nanoseconds(bucket_.WaitNs(target, now_ns)));
      return;
    }
    const std::size_t want = bucket_.unlimited() ? settings_.max_batch_events : target;
    if (!TakeAndSend(Lane::kBacklog, want, wake)) return;
  }
}

bool UplinkImpl::LiveReady(TimePoint now, TimePoint* wake) {
  const std::uint64_t alarm_seq = journal_.DurableAlarmSeq();
  std::lock_guard lock(mutex_);
  if (durable_seq_ <= live_probe_seq_) return false;
  if (durable_seq_ - live_probe_seq_ >= settings_.max_batch_events) return true;
  // An alarm goes at once: linger only gathers telemetry into fuller batches.
  if (alarm_seq > live_probe_seq_) return true;
  const TimePoint since = live_pending_since_.value_or(now);
  const TimePoint due = since + milliseconds(settings_.linger_ms);
  if (now >= due) return true;
  *wake = std::min(*wake, due);
  return false;
}

Result<std::optional<journal::Lease>> UplinkImpl::TakeFitting(const journal::LeaseRequest& request,
                                                              std::string* payload,
                                                              bool historical) {
  journal::LeaseRequest attempt = request;
  for (int i = 0; i < kMaxShrinks; ++i) {
    auto lease = journal_.Take(attempt);
    if (!lease || !*lease) return lease;
    *payload = PackBatch(**lease, settings_.gateway_id, session_seq_, historical);
    if (payload->size() <= payload_limit_ || (*lease)->events.size() == 1) return lease;
    // Events add framing the lease size does not count; ask for fewer.
    (void)journal_.Release((*lease)->id);
    attempt.max_events = std::max<std::size_t>(1, (*lease)->events.size() / 2);
  }
  return MakeError(Code::kInternal, "no batch fits in {} bytes", payload_limit_);
}

bool UplinkImpl::TakeAndSend(Lane lane, std::size_t max_events, TimePoint* wake) {
  const bool historical = lane == Lane::kBacklog;
  const std::size_t framing = BatchOverheadBytes(settings_.gateway_id.size()) + 6 * max_events;
  journal::LeaseRequest request{max_events,
                                payload_limit_ > 2 * framing
                                    ? payload_limit_ - framing
                                    : std::max<std::size_t>(1, payload_limit_ / 2),
                                historical ? 0 : boundary_, historical ? boundary_ : UINT64_MAX};
  std::uint64_t seen;
  {
    std::lock_guard lock(mutex_);
    seen = durable_seq_;
  }
  std::string payload;
  auto lease = TakeFitting(request, &payload, historical);
  if (!lease) {
    NoteError(lease.error().ToString());
    *wake = std::min(*wake, SteadyClock::now() + milliseconds(100));
    return false;
  }
  if (!*lease) {
    if (historical) {
      backlog_remaining_ = false;
    } else {
      std::lock_guard lock(mutex_);
      live_probe_seq_ = std::max(live_probe_seq_, seen);
      live_pending_since_.reset();
      if (durable_seq_ > live_probe_seq_) live_pending_since_ = SteadyClock::now();
    }
    return false;
  }
  journal::Lease& taken = **lease;
  if (payload.size() > payload_limit_) {
    (void)journal_.DeadLetter(taken.id, fmt::format("event of {} bytes exceeds the {} byte limit",
                                                    payload.size(), payload_limit_));
    std::lock_guard lock(mutex_);
    stats_.events_dead_lettered += taken.events.size();
    return true;
  }
  if (historical) bucket_.Consume(taken.events.size());
  InFlight batch{taken.id, taken.events.size(), historical, 0, {}, {}, {}};
  batch.message.topic = topics_.events + PriorityTopicClass(taken.priority);
  batch.message.payload = std::move(payload);
  return Send(std::move(batch));
}

bool UplinkImpl::Send(InFlight batch) {
  const std::uint64_t tag = next_tag_++;
  batch.sent = SteadyClock::now();
  if (Status published = transport_->Publish(tag, batch.message); !published) {
    OnConnectionLost(published.error().ToString());
    return false;
  }
  if (batch.historical) ++backlog_inflight_;
  {
    std::lock_guard lock(mutex_);
    ++stats_.batches_published;
    stats_.events_published += batch.events;
    stats_.inflight_batches = inflight_.size() + 1;
  }
  inflight_.emplace(tag, std::move(batch));
  return true;
}

void UplinkImpl::SendDueRetries(TimePoint now, TimePoint* wake) {
  while (!retries_.empty() && inflight_.size() < window_) {
    if (retries_.front().retry_at > now) {
      *wake = std::min(*wake, retries_.front().retry_at);
      return;
    }
    InFlight batch = std::move(retries_.front());
    retries_.pop_front();
    if (!Send(std::move(batch))) return;
  }
}

void UplinkImpl::Forget(const InFlight& batch) {
  if (batch.historical && backlog_inflight_ > 0) --backlog_inflight_;
}

void UplinkImpl::HandleOutcome(const PublishOutcome& outcome) {
  auto it = inflight_.find(outcome.tag);
  // Unknown tags belong to a session already ended and released; a publish
  // that failed without an answer is released when the session ends.
  if (it == inflight_.end() || !outcome.acknowledged) return;
  InFlight batch = std::move(it->second);
  inflight_.erase(it);
  Forget(batch);
  if (outcome.reason_code >= kFirstMqttRefusalReason) {
    Refused(std::move(batch), outcome.reason_code);
    return;
  }
  if (Status acked = journal_.Ack(batch.lease_id); !acked) NoteError(acked.error().ToString());
  const double latency_ms =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - batch.sent).count();
  std::lock_guard lock(mutex_);
  stats_.events_acked += batch.events;
  stats_.inflight_batches = inflight_.size();
  if (latencies_ms_.size() < kLatencySamples) {
    latencies_ms_.push_back(latency_ms);
  } else {
    latencies_ms_[latency_next_++ % kLatencySamples] = latency_ms;
  }
}

void UplinkImpl::Refused(InFlight batch, int reason) {
  ++batch.refusals;
  {
    std::lock_guard lock(mutex_);
    ++stats_.batches_refused;
  }
  if (batch.refusals <= settings_.reject_retries) {
    batch.retry_at = SteadyClock::now() + milliseconds(200 * batch.refusals);
    retries_.push_back(std::move(batch));
    return;
  }
  const std::string detail = fmt::format("broker refused {} (PUBACK reason 0x{:02x}) {} times",
                                         batch.message.topic, reason, batch.refusals);
  spdlog::warn("uplink: dead-lettering {} events: {}", batch.events, detail);
  if (Status dead = journal_.DeadLetter(batch.lease_id, detail); !dead) {
    NoteError(dead.error().ToString());
  }
  std::lock_guard lock(mutex_);
  stats_.events_dead_lettered += batch.events;
  stats_.last_error = detail;
}

void UplinkImpl::CloseGracefully() {
  TimePoint deadline;
  {
    std::lock_guard lock(mutex_);
    deadline = stop_deadline_;
  }
  // Keep time for the offline message and the DISCONNECT.
  const TimePoint drain_until = deadline - milliseconds(500);
  while (!inflight_.empty() && SteadyClock::now() < drain_until) {
    std::vector<PublishOutcome> outcomes;
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, drain_until, [this] { return !outcomes_.empty() || lost_; });
    outcomes.assign(outcomes_.begin(), outcomes_.end());
    outcomes_.clear();
    const bool gone = lost_;
    lock.unlock();
    for (const PublishOutcome& outcome : outcomes) HandleOutcome(outcome);
    if (gone) break;
  }
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
  (void)transport_->PublishAndWait(StateMessage(false, "clean shutdown"),
                                   std::clamp<std::int64_t>(left.count(), 100, 1000));
  transport_->Disconnect(200);
  EndSession("clean shutdown", false);
}

void UplinkImpl::EndSession(const std::string& cause, bool failure) {
  journal_.ReleaseAll();
  inflight_.clear();
  retries_.clear();
  backlog_inflight_ = 0;
  if (failure) {
    spdlog::warn("uplink: session {} ended: {}", session_seq_, cause);
    transport_->Disconnect(0);
    NoteError(cause);
  }
  std::lock_guard lock(mutex_);
  stats_.connected = false;
  stats_.inflight_batches = 0;
}

void UplinkImpl::NoteError(const std::string& error) {
  std::lock_guard lock(mutex_);
  stats_.last_error = error;
}

}  // namespace

Result<std::unique_ptr<Uplink>> Uplink::Create(const v1::Config& config, journal::Journal& journal,
                                               const clock::Clock& clock, std::string state_dir,
                                               BirthProvider birth_provider) {
  return CreateWithTransportForTest(config, journal, clock, std::move(state_dir),
                                    std::move(birth_provider), MakePahoTransport());
}

Result<std::unique_ptr<Uplink>> Uplink::CreateWithTransportForTest(
    const v1::Config& config, journal::Journal& journal, const clock::Clock& clock,
    std::string state_dir, BirthProvider birth_provider, std::unique_ptr<Transport> transport) {
  auto settings = ValidateUplinkSettings(config, state_dir);
  if (!settings) return std::unexpected(settings.error());
  SessionStore probe(settings->state_dir + "/uplink_session_seq");
  if (auto seq = probe.Load(); !seq) return std::unexpected(seq.error());
  return std::make_unique<UplinkImpl>(std::move(*settings), journal, clock,
                                      std::move(birth_provider), std::move(transport));
}

}  // namespace cityedge::uplink
