// SPDX-License-Identifier: Apache-2.0
// End-to-end benchmark of the uplink, all phases against one mosquitto on a
// loopback port chosen at run time (see README.md):
//  1. throughput: a synthetic source at full speed -> journal (durability
//     normal) -> uplink -> mosquitto -> a counting subscriber, versus a raw
//     Paho publisher sending one event per QoS 1 message;
//  2. latency at a fixed rate: append -> subscriber, next to the raw
//     publisher's publish -> PUBACK at the same rate;
//  3. backlog: events journaled while the broker is down, then the broker
//     starts: drain rate and time to the first replayed batch.
//  4. live during drain: the same backlog, and while it drains a live source
//     emits telemetry and one alarm a second: capture -> subscriber per class,
//     and where each live event's time went (commit, lease, PUBACK, broker).
// Every wait has a limit; a run that cannot finish fails naming what it was
// waiting for.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "daemon/config/defaults.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/uplink.hpp"
#include "tests/bench/e2e_bench/bench_peers.hpp"
#include "tests/integration/support/mosquitto.hpp"

namespace cityedge::bench {
namespace {

using std::chrono::milliseconds;

constexpr const char* kGateway = "gw1";
constexpr const char* kPrefix = "city";
constexpr const char* kEventsFilter = "city/gw1/events/#";

// The broker keeps every queued QoS 1 message for the subscriber: the default
// max_queued_messages (1000) would drop raw messages the subscriber has not
// taken yet, and the bench would wait for seqs that never come.
constexpr const char* kBrokerGlobal = "max_queued_messages 0\n";

struct Options {
  std::uint64_t events = 200000;
  std::uint64_t backlog = 1000000;
  std::uint64_t latency_seconds = 10;
  double rate = 1000;
  std::size_t raw_window = 16;
  std::int64_t linger_ms = 20;
  std::size_t max_batch_events = 500;
  std::size_t uplink_window = 8;
  double live_rate = 100;             // telemetry events/s during the drain
  double alarm_rate = 1;              // alarms/s during the drain
  std::uint64_t drain_max_bytes = 0;  // journal bound of the drain phase; 0: the default
  std::string phases = "throughput,latency,backlog,drain";
  int runs = 1;
  std::int64_t timeout_s = 120;
  bool verbose = false;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(v.size() - 1, rank)];
}

// Polls `done` every 2 ms until it holds or `limit` passes; the error names
// what was awaited and where it stood.
Status WaitUntil(const std::string& what, const std::function<bool()>& done, milliseconds limit,
                 const std::function<std::string()>& progress) {
  const auto until = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= until) {
      return MakeError(Code::kDeadlineExceeded, "timed out after {:.0f} s waiting for {} ({})",
                       Seconds(limit), what, progress());
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
  return OkStatus();
}

// A journal that notes, for rows above a watched seq, when they became
// durable, were leased and were acked; everything else passes through.
class TimingJournal final : public journal::Journal {
 public:
  struct Times {
    std::int64_t committed_ns = 0;
    std::int64_t leased_ns = 0;
    std::int64_t acked_ns = 0;
  };

  explicit TimingJournal(std::unique_ptr<journal::Journal> inner) : inner_(std::move(inner)) {}

  // Rows with seq above `after_seq` are timed from now on.
  void Watch(std::uint64_t after_seq) {
    std::lock_guard lock(mu_);
    watch_after_ = after_seq;
    watching_ = true;
  }
  // When `seq` became durable, leased (last lease) and acked; zeros if never.
  Times TimesOf(std::uint64_t seq) {
    std::lock_guard lock(mu_);
    Times t;
    const auto c = std::lower_bound(commits_.begin(), commits_.end(), seq,
                                    [](const auto& e, std::uint64_t s) { return e.second < s; });
    if (c != commits_.end()) t.committed_ns = c->first;
    if (auto it = leased_.find(seq); it != leased_.end()) t.leased_ns = it->second;
    if (auto it = acked_.find(seq); it != acked_.end()) t.acked_ns = it->second;
    return t;
  }

  Status Emit(v1::Event event) override { return inner_->Emit(std::move(event)); }
  Status Flush(std::int64_t timeout_ms) override { return inner_->Flush(timeout_ms); }
  Result<std::optional<journal::Lease>> Take(const journal::LeaseRequest& request) override {
    auto lease = inner_->Take(request);
    if (lease && *lease) {
      const std::int64_t now = MonotonicNs();
      std::lock_guard lock(mu_);
      if (watching_) {
        std::vector<std::uint64_t>& seqs = lease_seqs_[(*lease)->id];
        for (const journal::LeasedEvent& e : (*lease)->events) {
          if (e.seq <= watch_after_) continue;
          leased_[e.seq] = now;
          seqs.push_back(e.seq);
        }
      }
    }
    return lease;
  }
  Status Ack(std::uint64_t lease_id) override {
    {
      const std::int64_t now = MonotonicNs();
      std::lock_guard lock(mu_);
      if (auto it = lease_seqs_.find(lease_id); it != lease_seqs_.end()) {
        for (std::uint64_t seq : it->second) acked_[seq] = now;
        lease_seqs_.erase(it);
      }
    }
    return inner_->Ack(lease_id);
  }
  Status Release(std::uint64_t lease_id) override { return inner_->Release(lease_id); }
  void ReleaseAll() override { inner_->ReleaseAll(); }
  Status DeadLetter(std::uint64_t lease_id, const std::string& detail) override {
    return inner_->DeadLetter(lease_id, detail);
  }
  Result<std::vector<journal::LeasedEvent>> ReadRange(std::uint64_t first_seq,
                                                      std::uint64_t last_seq,
                                                      std::size_t max_events) override {
    return inner_->ReadRange(first_seq, last_seq, max_events);
  }
  Result<std::vector<journal::LeasedEvent>> ReadCaptured(std::int64_t from_unix_ns,
                                                         std::int64_t to_unix_ns,
                                                         std::size_t max_events) override {
    return inner_->ReadCaptured(from_unix_ns, to_unix_ns, max_events);
  }
  journal::Stats GetStats() override { return inner_->GetStats(); }
  std::uint64_t DurableSeq() const override { return inner_->DurableSeq(); }
  void SetCommitListener(journal::CommitListener listener) override {
    inner_->SetCommitListener([this, listener = std::move(listener)](std::uint64_t seq) {
      {
        std::lock_guard lock(mu_);
        if (watching_ && seq > watch_after_) commits_.emplace_back(MonotonicNs(), seq);
      }
      listener(seq);
    });
  }
  void Close() override { inner_->Close(); }

 private:
  std::unique_ptr<journal::Journal> inner_;
  std::mutex mu_;
  bool watching_ = false;
  std::uint64_t watch_after_ = 0;
  std::vector<std::pair<std::int64_t, std::uint64_t>> commits_;  // (when, durable seq)
  std::unordered_map<std::uint64_t, std::int64_t> leased_;
  std::unordered_map<std::uint64_t, std::int64_t> acked_;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> lease_seqs_;
};

// A journal and an uplink in a fresh folder, as cityedged would run them.
class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> Open(const std::string& dir, const std::string& uri,
                                               const Options& options, bool timed = false) {
    std::filesystem::create_directories(dir);
    v1::JournalConfig jc = config::WithDefaults(v1::JournalConfig());
    jc.set_path(dir + "/journal.db");
    jc.set_durability("normal");
    // The drain phase keeps the default bound, as a new installation would,
    // unless --drain-max-bytes names one.
    if (!timed) jc.set_max_bytes(4ull << 30);
    if (timed && options.drain_max_bytes > 0) jc.set_max_bytes(options.drain_max_bytes);
    auto journal = journal::Open(jc, clock::Default());
    if (!journal) return std::unexpected(journal.error().Wrap("journal"));
    TimingJournal* timing = nullptr;
    if (timed) {
      auto wrapped = std::make_unique<TimingJournal>(std::move(*journal));
      timing = wrapped.get();
      *journal = std::move(wrapped);
    }
    auto gw = std::unique_ptr<Gateway>(new Gateway(std::move(*journal)));
    gw->timing_ = timing;
    auto uplink = uplink::Uplink::Create(UplinkConfig(uri, options), *gw->journal_,
                                         clock::Default(), dir, nullptr);
    if (!uplink) return std::unexpected(uplink.error().Wrap("uplink"));
    gw->uplink_ = std::move(*uplink);
    if (Status started = gw->uplink_->Start(); !started) {
      return std::unexpected(started.error().Wrap("uplink start"));
    }
    return gw;
  }
  ~Gateway() {
    if (uplink_) uplink_->Stop(milliseconds(2000));
    journal_->Close();
  }
  journal::Journal& journal() { return *journal_; }
  // Set when opened `timed`.
  [[nodiscard]] TimingJournal* timing() const { return timing_; }
  [[nodiscard]] uplink::UplinkStats stats() const { return uplink_->GetStats(); }
  [[nodiscard]] std::string Describe() const {
    const uplink::UplinkStats s = stats();
    return fmt::format("uplink connected {}, published {}, acked {}, in flight {} batches{}",
                       s.connected, s.events_published, s.events_acked, s.inflight_batches,
                       s.last_error.empty() ? "" : ", last error: " + s.last_error);
  }
  Status WaitConnected(milliseconds limit) {
    return WaitUntil(
        "the uplink to connect", [this] { return stats().connected; }, limit,
        [this] { return Describe(); });
  }

 private:
  explicit Gateway(std::unique_ptr<journal::Journal> journal) : journal_(std::move(journal)) {}

  static v1::Config UplinkConfig(const std::string& uri, const Options& options) {
    v1::Config config;
    config.mutable_gateway()->set_id(kGateway);
    v1::UplinkConfig* u = config.mutable_uplink();
    u->add_brokers(uri);
    u->set_topic_prefix(kPrefix);
    u->set_keepalive_ms(5000);
    u->set_connect_timeout_ms(3000);
    u->set_max_batch_events(static_cast<std::uint32_t>(options.max_batch_events));
    u->set_max_batch_bytes(256 * 1024);
    u->set_linger_ms(options.linger_ms);
    u->set_inflight_window(static_cast<std::uint32_t>(options.uplink_window));
    u->set_backoff_initial_ms(100);
    u->set_backoff_max_ms(400);
    u->set_first_connect_delay_max_ms(0);
    return config;
  }

  std::unique_ptr<journal::Journal> journal_;
  TimingJournal* timing_ = nullptr;
  std::unique_ptr<uplink::Uplink> uplink_;
};

// Everything one run measures, by metric name.
using Figures = std::map<std::string, double>;

struct Context {
  Options options;
  std::string work_dir;
  testing::Mosquitto* broker = nullptr;
  std::unique_ptr<CountingSubscriber> subscriber;
  int run = 0;

  [[nodiscard]] milliseconds timeout() const { return std::chrono::seconds(options.timeout_s); }
  [[nodiscard]] std::string Dir(const std::string& phase) const {
    return fmt::format("{}/run{}-{}", work_dir, run, phase);
  }
  [[nodiscard]] std::string SubscriberProgress(std::uint64_t want, bool raw) const {
    const StreamCounts c = raw ? subscriber->Raw() : subscriber->Gateway();
    return fmt::format("subscriber has {} of {} unique seqs, {} duplicates, {} undecodable",
                       c.unique, want, c.duplicates, subscriber->undecodable());
  }
};

Status EmitAll(journal::Journal& journal, std::uint64_t count, double rate) {
  const Clock::time_point start = Clock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    if (rate > 0) {
      std::this_thread::sleep_until(
          start + std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * i / rate)));
    }
    if (Status emitted = journal.Emit(SyntheticEvent(0)); !emitted) {
      return std::unexpected(emitted.error().Wrap(fmt::format("emit of event {}", i)));
    }
  }
  return OkStatus();
}

// Sends `count` events through journal and uplink; the clock runs from the
// first append to the last new seq at the subscriber.
Status GatewayPhase(Context& ctx, const std::string& phase, std::uint64_t count, double rate,
                    Figures* out) {
  auto gw = Gateway::Open(ctx.Dir(phase), ctx.broker->uri(), ctx.options);
  if (!gw) return std::unexpected(gw.error());
  if (Status up = (*gw)->WaitConnected(ctx.timeout()); !up) return up;
  ctx.subscriber->Reset(rate > 0);
  const Clock::time_point start = Clock::now();
  if (Status emitted = EmitAll((*gw)->journal(), count, rate); !emitted) return emitted;
  if (Status all = WaitUntil(
          fmt::format("{} gateway events at the subscriber ({} phase)", count, phase),
          [&] { return ctx.subscriber->GatewayUnique() >= count; }, ctx.timeout(),
          [&] { return ctx.SubscriberProgress(count, false) + "; " + (*gw)->Describe(); });
      !all) {
    return all;
  }
  const StreamCounts c = ctx.subscriber->Gateway();
  if (rate > 0) {
    (*out)["latency_gw_p50_ms"] = Percentile(c.latencies_ms, 0.50);
    (*out)["latency_gw_p99_ms"] = Percentile(c.latencies_ms, 0.99);
    (*out)["latency_gw_max_ms"] = Percentile(c.latencies_ms, 1.0);
    (*out)["latency_gw_batches"] = static_cast<double>(c.messages);
  } else {
    (*out)["throughput_gw_ev_s"] = static_cast<double>(count) / Seconds(*c.last_new - start);
    (*out)["throughput_gw_batches"] = static_cast<double>(c.messages);
    (*out)["throughput_gw_duplicates"] = static_cast<double>(c.duplicates);
  }
  return OkStatus();
}

// The raw publisher; its messages are also counted at the subscriber.
Status RawPhase(Context& ctx, const std::string& phase, std::uint64_t count, double rate,
                Figures* out) {
  ctx.subscriber->Reset(rate > 0);
  auto raw = RunRawPublisher(ctx.broker->uri(), count, ctx.options.raw_window, rate,
                             std::chrono::seconds(10));
  if (!raw) return std::unexpected(raw.error().Wrap(phase));
  if (Status all = WaitUntil(
          fmt::format("{} raw events at the subscriber ({} phase)", count, phase),
          [&] { return ctx.subscriber->RawUnique() >= count; }, ctx.timeout(),
          [&] { return ctx.SubscriberProgress(count, true); });
      !all) {
    return all;
  }
  const StreamCounts c = ctx.subscriber->Raw();
  (*out)["broker_receive_maximum"] = raw->broker_receive_maximum;
  if (rate > 0) {
    (*out)["latency_raw_ack_p50_ms"] = Percentile(raw->ack_latencies_ms, 0.50);
    (*out)["latency_raw_ack_p99_ms"] = Percentile(raw->ack_latencies_ms, 0.99);
    (*out)["latency_raw_sub_p99_ms"] = Percentile(c.latencies_ms, 0.99);
  } else {
    const double n = static_cast<double>(count);
    (*out)["throughput_raw_ack_ev_s"] = n / Seconds(raw->all_acked - raw->start);
    (*out)["throughput_raw_sub_ev_s"] = n / Seconds(*c.last_new - raw->start);
  }
  return OkStatus();
}

Status ReconnectSubscriber(Context& ctx, bool persistent) {
  ctx.subscriber.reset();
  auto sub = CountingSubscriber::Connect(ctx.broker->uri(), kEventsFilter, persistent,
                                         milliseconds(10000));
  if (!sub) return std::unexpected(sub.error());
  ctx.subscriber = std::move(*sub);
  return OkStatus();
}

// The subscriber has to hear the first replayed batch, however fast the
// uplink reconnects. So before the broker goes down it holds a persistent
// session with its subscription saved in the broker's database; the
// restarted broker loads it and queues every batch for the subscriber.
Status PrepareBrokerOutage(Context& ctx) {
  const std::string db = ctx.work_dir + "/mosquitto.db";
  std::filesystem::remove(db);
  ctx.broker->set_global(
      fmt::format("{}persistence true\npersistence_location {}/\nautosave_on_changes true\n"
                  "autosave_interval 1\n",
                  kBrokerGlobal, ctx.work_dir));
  if (Status restarted = ctx.broker->Restart(); !restarted) return restarted;
  if (Status sub = ReconnectSubscriber(ctx, true); !sub) return sub;
  if (Status saved = ctx.subscriber->PublishRetained("bench/saved", milliseconds(5000)); !saved) {
    return saved;
  }
  if (Status on_disk = WaitUntil(
          "mosquitto to save the subscriber's session", [&] { return std::filesystem::exists(db); },
          milliseconds(5000), [&] { return db + " missing"; });
      !on_disk) {
    return on_disk;
  }
  ctx.subscriber->Disconnect();
  ctx.subscriber.reset();
  ctx.broker->Kill();
  // Load the saved sessions at the next start, and save no more during runs.
  ctx.broker->set_global(
      fmt::format("{}persistence true\npersistence_location {}/\n"
                  "autosave_interval 86400\n",
                  kBrokerGlobal, ctx.work_dir));
  return OkStatus();
}

// Journals `count` events with the broker down, then starts it. Times run
// from the broker's start (its port accepting connections).
Status BacklogPhase(Context& ctx, Figures* out) {
  const std::uint64_t count = ctx.options.backlog;
  if (Status down = PrepareBrokerOutage(ctx); !down) return down;
  auto gw = Gateway::Open(ctx.Dir("backlog"), ctx.broker->uri(), ctx.options);
  if (!gw) return std::unexpected(gw.error());
  const Clock::time_point journal_start = Clock::now();
  if (Status emitted = EmitAll((*gw)->journal(), count, 0); !emitted) return emitted;
  if (Status flushed = (*gw)->journal().Flush(ctx.options.timeout_s * 1000); !flushed) {
    return std::unexpected(flushed.error().Wrap("journal flush of the backlog"));
  }
  (*out)["backlog_journal_ev_s"] =
      static_cast<double>(count) / Seconds(Clock::now() - journal_start);
  if ((*gw)->stats().connected)
    return MakeError(Code::kInternal, "uplink connected with the broker down");
  if (Status restarted = ctx.broker->Restart(); !restarted) return restarted;
  const Clock::time_point broker_up = Clock::now();
  // The uplink is watched on its own thread: the subscriber's connect blocks.
  std::optional<Clock::time_point> connected;
  std::optional<Clock::time_point> first_published;
  std::atomic<bool> watching{true};
  std::thread watcher([&] {
    while (watching && !first_published) {
      const uplink::UplinkStats stats = (*gw)->stats();
      if (!connected && stats.connected) connected = Clock::now();
      if (stats.batches_published > 0) first_published = Clock::now();
      std::this_thread::sleep_for(milliseconds(1));
    }
  });
  Status sub = ReconnectSubscriber(ctx, true);
  const double subscribed_s = Seconds(Clock::now() - broker_up);
  Status all =
      sub ? WaitUntil(
                fmt::format("{} replayed events at the subscriber", count),
                [&] { return ctx.subscriber->GatewayUnique() >= count; }, ctx.timeout(),
                [&] { return ctx.SubscriberProgress(count, false) + "; " + (*gw)->Describe(); })
          : sub;
  watching = false;
  watcher.join();
  if (!all) return all;
  const StreamCounts c = ctx.subscriber->Gateway();
  if (!c.first_historical) return MakeError(Code::kInternal, "no replayed batch was historical");
  (*out)["backlog_subscribed_s"] = subscribed_s;
  (*out)["backlog_connected_s"] = connected ? Seconds(*connected - broker_up) : -1;
  (*out)["backlog_first_published_s"] =
      first_published ? Seconds(*first_published - broker_up) : -1;
  (*out)["backlog_first_batch_s"] = Seconds(*c.first_historical - broker_up);
  (*out)["backlog_drain_ev_s"] = static_cast<double>(count) / Seconds(*c.last_new - broker_up);
  (*out)["backlog_duplicates"] = static_cast<double>(c.duplicates);
  return OkStatus();
}

// Child mode (--subscribe URI): the counting subscriber on its own, with the
// persistent session of the drain phase, reporting on stdout: "R" once
// subscribed, then every few ms "H <historical unique> <ns of the last new
// historical seq>" and one "L <seq> <class> <capture ns> <receipt ns>" per new
// live event. Runs until stdin closes.
int RunSubscriberChild(const std::string& uri) {
  auto sub = CountingSubscriber::Connect(uri, kEventsFilter, true, milliseconds(10000));
  if (!sub) {
    std::fprintf(stderr, "e2e_bench subscriber: %s\n", sub.error().ToString().c_str());
    return 1;
  }
  (*sub)->RecordLive(true);
  std::printf("R\n");
  std::fflush(stdout);
  std::atomic<bool> parent_gone{false};
  std::thread stdin_watch([&] {
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    parent_gone = true;
  });
  std::size_t printed = 0;
  std::uint64_t last_unique = UINT64_MAX;
  while (!parent_gone) {
    const StreamCounts c = (*sub)->Gateway();
    for (; printed < c.live.size(); ++printed) {
      const LiveSample& l = c.live[printed];
      std::printf("L %llu %d %lld %lld\n", static_cast<unsigned long long>(l.seq), l.priority,
                  static_cast<long long>(l.capture_ns), static_cast<long long>(l.receipt_ns));
    }
    if (c.historical_unique != last_unique) {
      last_unique = c.historical_unique;
      const auto at = c.last_historical_new ? c.last_historical_new->time_since_epoch()
                                            : Clock::duration::zero();
      std::printf("H %llu %lld\n", static_cast<unsigned long long>(last_unique),
                  static_cast<long long>(std::chrono::nanoseconds(at).count()));
    }
    std::fflush(stdout);
    std::this_thread::sleep_for(milliseconds(5));
  }
  stdin_watch.join();
  (*sub)->Disconnect();
  return 0;
}

// The drain phase's subscriber in a process of its own (this binary in
// --subscribe mode), so it shares no MQTT client threads with the gateway,
// as the city platform would not.
class SubscriberProcess {
 public:
  static Result<std::unique_ptr<SubscriberProcess>> Start(const std::string& uri,
                                                          milliseconds timeout) {
    int to_child[2];
    int from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) {
      return MakeError(Code::kInternal, "pipe: {}", std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_addclose(&actions, to_child[1]);
    posix_spawn_file_actions_addclose(&actions, from_child[0]);
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    std::vector<char*> argv = {const_cast<char*>(self.c_str()), const_cast<char*>("--subscribe"),
                               const_cast<char*>(uri.c_str()), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    if (rc != 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      return MakeError(Code::kInternal, "spawn of the subscriber: {}", std::strerror(rc));
    }
    auto proc = std::unique_ptr<SubscriberProcess>(
        new SubscriberProcess(pid, to_child[1], ::fdopen(from_child[0], "r")));
    if (Status ready = WaitUntil(
            "the subscriber process to subscribe", [&] { return proc->ready_.load(); }, timeout,
            [] { return std::string("no R line yet"); });
        !ready) {
      return std::unexpected(ready.error());
    }
    return proc;
  }
  ~SubscriberProcess() {
    ::close(to_child_);
    if (reader_.joinable()) reader_.join();
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }

  [[nodiscard]] std::uint64_t historical_unique() const { return historical_unique_; }
  [[nodiscard]] std::int64_t last_historical_ns() const { return last_historical_ns_; }
  [[nodiscard]] std::vector<LiveSample> live() const {
    std::lock_guard lock(mu_);
    return live_;
  }
  [[nodiscard]] std::size_t live_count() const {
    std::lock_guard lock(mu_);
    return live_.size();
  }

 private:
  SubscriberProcess(pid_t pid, int to_child, FILE* from_child)
      : pid_(pid), to_child_(to_child), from_child_(from_child), reader_([this] { Read(); }) {}

  void Read() {
    char line[256];
    while (std::fgets(line, sizeof line, from_child_) != nullptr) {
      unsigned long long a = 0;
      long long b = 0;
      long long c = 0;
      long long d = 0;
      int prio = 0;
      if (line[0] == 'R') {
        ready_ = true;
      } else if (line[0] == 'H' && std::sscanf(line + 1, "%llu %lld", &a, &b) == 2) {
        last_historical_ns_ = b;
        historical_unique_ = a;
      } else if (line[0] == 'L' &&
                 std::sscanf(line + 1, "%llu %d %lld %lld", &a, &prio, &c, &d) == 4) {
        std::lock_guard lock(mu_);
        live_.push_back(LiveSample{a, prio, c, d});
      }
    }
    std::fclose(from_child_);
  }

  pid_t pid_;
  int to_child_;
  FILE* from_child_;
  std::atomic<bool> ready_{false};
  std::atomic<std::uint64_t> historical_unique_{0};
  std::atomic<std::int64_t> last_historical_ns_{0};
  mutable std::mutex mu_;
  std::vector<LiveSample> live_;
  std::thread reader_;
};

// Emits `rate` telemetry events and `alarm_rate` alarms a second until told to
// stop; counts what it emitted.
class LiveSource {
 public:
  LiveSource(journal::Journal& journal, double rate, double alarm_rate)
      : journal_(journal), rate_(rate), alarm_rate_(alarm_rate), thread_([this] { Run(); }) {}
  ~LiveSource() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] std::uint64_t emitted() const { return emitted_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  void Run() {
    const Clock::time_point start = Clock::now();
    std::uint64_t alarms = 0;
    for (std::uint64_t i = 0; !stop_; ++i) {
      std::this_thread::sleep_until(
          start + std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * i / rate_)));
      v1::Event event = SyntheticEvent(0);
      event.set_source("aq-live");
      Status emitted = journal_.Emit(event);
      if (emitted && static_cast<double>(alarms) <= static_cast<double>(i) * alarm_rate_ / rate_) {
        ++alarms;
        v1::Event alarm = SyntheticEvent(0);
        alarm.set_source("alarm-live");
        alarm.set_priority(v1::PRIORITY_CLASS_ALARM);
        emitted = journal_.Emit(alarm);
        if (emitted) ++emitted_;
      }
      if (!emitted) {
        error_ = emitted.error().ToString();
        return;
      }
      ++emitted_;
    }
  }

  journal::Journal& journal_;
  const double rate_;
  const double alarm_rate_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> emitted_{0};
  std::string error_;
  std::thread thread_;
};

// p50, p99 and max of `values` under `prefix`.
void PutPercentiles(const std::string& prefix, const std::vector<double>& values, Figures* out) {
  (*out)[prefix + "_p50_ms"] = Percentile(values, 0.50);
  (*out)[prefix + "_p99_ms"] = Percentile(values, 0.99);
  (*out)[prefix + "_max_ms"] = Percentile(values, 1.0);
}

// The backlog phase again, with a live source running from the uplink's
// connect until a second after the last backlog event arrived. Live events
// captured in that time are timed per class from capture to the subscriber, and split
// into capture -> durable (commit), durable -> leased, leased -> PUBACK, and
// PUBACK -> subscriber.
Status LiveDuringDrainPhase(Context& ctx, Figures* out) {
  const std::uint64_t count = ctx.options.backlog;
  if (Status down = PrepareBrokerOutage(ctx); !down) return down;
  auto gw = Gateway::Open(ctx.Dir("drain"), ctx.broker->uri(), ctx.options, true);
  if (!gw) return std::unexpected(gw.error());
  if (Status emitted = EmitAll((*gw)->journal(), count, 0); !emitted) return emitted;
  if (Status flushed = (*gw)->journal().Flush(ctx.options.timeout_s * 1000); !flushed) {
    return std::unexpected(flushed.error().Wrap("journal flush of the backlog"));
  }
  (*gw)->timing()->Watch((*gw)->journal().DurableSeq());
  if (Status restarted = ctx.broker->Restart(); !restarted) return restarted;
  const Clock::time_point broker_up = Clock::now();
  auto sub = SubscriberProcess::Start(ctx.broker->uri(), ctx.timeout());
  if (!sub) return std::unexpected(sub.error());
  const auto progress = [&] {
    return fmt::format("subscriber process has {} backlog events and {} live; {}",
                       (*sub)->historical_unique(), (*sub)->live_count(), (*gw)->Describe());
  };
  if (Status up = (*gw)->WaitConnected(ctx.timeout()); !up) return up;
  LiveSource source((*gw)->journal(), ctx.options.live_rate, ctx.options.alarm_rate);
  Status drained = WaitUntil(
      fmt::format("{} backlog events at the subscriber (drain phase)", count),
      [&] { return (*sub)->historical_unique() >= count; }, ctx.timeout(), progress);
  // The queue's last acks and clearing fall just after the last backlog
  // event, so live load runs on for a second and counts.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const std::int64_t drain_end_ns = MonotonicNs();
  source.Stop();
  if (!drained) return drained;
  if (!source.error().empty()) return MakeError(Code::kInternal, "live source: {}", source.error());
  const std::uint64_t live = source.emitted();
  if (Status all = WaitUntil(
          fmt::format("{} live events at the subscriber (drain phase)", live),
          [&] { return (*sub)->live_count() >= live; }, ctx.timeout(), progress);
      !all) {
    return all;
  }
  const std::vector<LiveSample> samples = (*sub)->live();
  const std::int64_t last_historical_ns = (*sub)->last_historical_ns();
  std::vector<double> alarms, telemetry, commit, lease, puback, to_sub;
  for (const LiveSample& sample : samples) {
    if (sample.capture_ns > drain_end_ns) continue;
    const double total = static_cast<double>(sample.receipt_ns - sample.capture_ns) / 1e6;
    (sample.priority == v1::PRIORITY_CLASS_ALARM ? alarms : telemetry).push_back(total);
    const TimingJournal::Times t = (*gw)->timing()->TimesOf(sample.seq);
    if (t.committed_ns == 0 || t.leased_ns == 0 || t.acked_ns == 0) continue;
    commit.push_back(static_cast<double>(t.committed_ns - sample.capture_ns) / 1e6);
    lease.push_back(static_cast<double>(t.leased_ns - t.committed_ns) / 1e6);
    puback.push_back(static_cast<double>(t.acked_ns - t.leased_ns) / 1e6);
    to_sub.push_back(static_cast<double>(sample.receipt_ns - t.acked_ns) / 1e6);
  }
  if (alarms.empty()) return MakeError(Code::kInternal, "no live alarm arrived during the drain");
  PutPercentiles("drain_alarm", alarms, out);
  PutPercentiles("drain_telemetry", telemetry, out);
  PutPercentiles("drain_commit", commit, out);
  PutPercentiles("drain_lease", lease, out);
  PutPercentiles("drain_puback", puback, out);
  PutPercentiles("drain_to_sub", to_sub, out);
  (*out)["drain_live_alarms"] = static_cast<double>(alarms.size());
  (*out)["drain_live_telemetry"] = static_cast<double>(telemetry.size());
  const Clock::time_point last_historical{std::chrono::nanoseconds(last_historical_ns)};
  (*out)["drain_ev_s"] = static_cast<double>(count) / Seconds(last_historical - broker_up);
  return OkStatus();
}

Result<Figures> RunOnce(Context& ctx) {
  Figures f;
  const Options& o = ctx.options;
  const std::uint64_t fixed = o.latency_seconds * static_cast<std::uint64_t>(o.rate);
  if (!ctx.subscriber) {
    if (Status sub = ReconnectSubscriber(ctx, false); !sub) return std::unexpected(sub.error());
  }
  const auto wants = [&](const char* phase) { return o.phases.find(phase) != std::string::npos; };
  if (wants("throughput")) {
    std::fprintf(stderr, "run %d: throughput...\n", ctx.run);
    if (Status s = GatewayPhase(ctx, "throughput", o.events, 0, &f); !s)
      return std::unexpected(s.error());
    if (Status s = RawPhase(ctx, "throughput", o.events, 0, &f); !s)
      return std::unexpected(s.error());
    f["ratio_throughput_sub"] = f["throughput_gw_ev_s"] / f["throughput_raw_sub_ev_s"];
    f["ratio_throughput_ack"] = f["throughput_gw_ev_s"] / f["throughput_raw_ack_ev_s"];
  }
  if (wants("latency")) {
    std::fprintf(stderr, "run %d: latency at %.0f events/s...\n", ctx.run, o.rate);
    if (Status s = GatewayPhase(ctx, "latency", fixed, o.rate, &f); !s)
      return std::unexpected(s.error());
    if (Status s = RawPhase(ctx, "latency", fixed, o.rate, &f); !s)
      return std::unexpected(s.error());
    f["latency_goal_ms"] = static_cast<double>(o.linger_ms) + 2 * f["latency_raw_ack_p99_ms"];
  }
  if (o.backlog > 0 && wants("backlog")) {
    std::fprintf(stderr, "run %d: backlog of %llu events...\n", ctx.run,
                 static_cast<unsigned long long>(o.backlog));
    if (Status s = BacklogPhase(ctx, &f); !s) return std::unexpected(s.error());
  }
  if (o.backlog > 0 && wants("drain")) {
    std::fprintf(stderr, "run %d: live during a drain of %llu events...\n", ctx.run,
                 static_cast<unsigned long long>(o.backlog));
    if (Status s = LiveDuringDrainPhase(ctx, &f); !s) return std::unexpected(s.error());
    if (f.contains("backlog_drain_ev_s")) {
      f["ratio_drain_live"] = f["drain_ev_s"] / f["backlog_drain_ev_s"];
    }
  }
  return f;
}

struct Row {
  const char* key;
  const char* label;
  const char* format;
};

constexpr Row kRows[] = {
    {"throughput_gw_ev_s", "throughput: gateway, to subscriber (ev/s)", "%12.0f"},
    {"throughput_raw_ack_ev_s", "throughput: raw QoS1, to last PUBACK (ev/s)", "%12.0f"},
    {"throughput_raw_sub_ev_s", "throughput: raw QoS1, to subscriber (ev/s)", "%12.0f"},
    {"ratio_throughput_sub", "ratio gateway/raw, both at subscriber (x)", "%12.2f"},
    {"ratio_throughput_ack", "ratio gateway/raw PUBACK (x)", "%12.2f"},
    {"throughput_gw_batches", "gateway batches published", "%12.0f"},
    {"throughput_gw_duplicates", "gateway duplicate seqs at subscriber", "%12.0f"},
    {"latency_gw_p50_ms", "latency: gateway append->subscriber p50 (ms)", "%12.2f"},
    {"latency_gw_p99_ms", "latency: gateway append->subscriber p99 (ms)", "%12.2f"},
    {"latency_gw_max_ms", "latency: gateway append->subscriber max (ms)", "%12.2f"},
    {"latency_raw_ack_p50_ms", "latency: raw publish->PUBACK p50 (ms)", "%12.2f"},
    {"latency_raw_ack_p99_ms", "latency: raw publish->PUBACK p99 (ms)", "%12.2f"},
    {"latency_raw_sub_p99_ms", "latency: raw publish->subscriber p99 (ms)", "%12.2f"},
    {"latency_goal_ms", "latency goal: linger + 2 x raw PUBACK p99 (ms)", "%12.2f"},
    {"backlog_journal_ev_s", "backlog: journaled while broker down (ev/s)", "%12.0f"},
    {"backlog_subscribed_s", "backlog: broker start -> subscriber ready (s)", "%12.3f"},
    {"backlog_connected_s", "backlog: broker start -> uplink connected (s)", "%12.3f"},
    {"backlog_first_published_s", "backlog: broker start -> first batch published (s)", "%12.3f"},
    {"backlog_first_batch_s", "backlog: broker start -> first batch at subscriber (s)", "%12.3f"},
    {"backlog_drain_ev_s", "backlog: drain, broker start -> last event (ev/s)", "%12.0f"},
    {"backlog_duplicates", "backlog: duplicate seqs at subscriber", "%12.0f"},
    {"drain_alarm_p50_ms", "drain+live: alarm capture->subscriber p50 (ms)", "%12.1f"},
    {"drain_alarm_p99_ms", "drain+live: alarm capture->subscriber p99 (ms)", "%12.1f"},
    {"drain_alarm_max_ms", "drain+live: alarm capture->subscriber max (ms)", "%12.1f"},
    {"drain_telemetry_p50_ms", "drain+live: telemetry capture->subscriber p50", "%12.1f"},
    {"drain_telemetry_p99_ms", "drain+live: telemetry capture->subscriber p99", "%12.1f"},
    {"drain_telemetry_max_ms", "drain+live: telemetry capture->subscriber max", "%12.1f"},
    {"drain_commit_p99_ms", "drain+live: capture->durable (commit) p99 (ms)", "%12.1f"},
    {"drain_commit_max_ms", "drain+live: capture->durable (commit) max (ms)", "%12.1f"},
    {"drain_lease_p99_ms", "drain+live: durable->leased p99 (ms)", "%12.1f"},
    {"drain_lease_max_ms", "drain+live: durable->leased max (ms)", "%12.1f"},
    {"drain_puback_p99_ms", "drain+live: leased->PUBACK p99 (ms)", "%12.1f"},
    {"drain_puback_max_ms", "drain+live: leased->PUBACK max (ms)", "%12.1f"},
    {"drain_to_sub_p99_ms", "drain+live: PUBACK->subscriber p99 (ms)", "%12.1f"},
    {"drain_to_sub_max_ms", "drain+live: PUBACK->subscriber max (ms)", "%12.1f"},
    {"drain_live_alarms", "drain+live: live alarms during the drain", "%12.0f"},
    {"drain_live_telemetry", "drain+live: live telemetry during the drain", "%12.0f"},
    {"drain_ev_s", "drain+live: drain, broker start -> last (ev/s)", "%12.0f"},
    {"ratio_drain_live", "drain+live: drain rate / backlog phase's (x)", "%12.2f"},
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void PrintTable(const Options& o, const std::vector<Figures>& runs) {
  std::printf(
      "\ne2e_bench: %llu events full speed; %llu s at %.0f ev/s; backlog %llu; "
      "linger %lld ms, max_batch_events %zu, uplink window %zu, raw window %zu, "
      "broker receive maximum %.0f\n\n",
      static_cast<unsigned long long>(o.events), static_cast<unsigned long long>(o.latency_seconds),
      o.rate, static_cast<unsigned long long>(o.backlog), static_cast<long long>(o.linger_ms),
      o.max_batch_events, o.uplink_window, o.raw_window,
      runs.front().contains("broker_receive_maximum") ? runs.front().at("broker_receive_maximum")
                                                      : 0.0);
  std::printf("%-50s", "metric");
  for (std::size_t r = 0; r < runs.size(); ++r)
    std::printf("%12s", fmt::format("run {}", r + 1).c_str());
  std::printf("%12s\n", "median");
  for (const Row& row : kRows) {
    if (!runs.front().contains(row.key)) continue;
    std::vector<double> values;
    std::printf("%-50s", row.label);
    for (const Figures& f : runs) {
      values.push_back(f.at(row.key));
      std::printf(row.format, values.back());
    }
    std::printf(row.format, Median(values));
    std::printf("\n");
  }
}

void PrintVerdicts(const std::vector<Figures>& runs) {
  auto median = [&](const char* key) {
    std::vector<double> v;
    for (const Figures& f : runs) v.push_back(f.at(key));
    return Median(v);
  };
  const Figures& first = runs.front();
  if (first.contains("ratio_throughput_sub")) {
    const double ratio = median("ratio_throughput_sub");
    std::printf("\nthroughput ratio (medians, at subscriber): %.2fx, goal >= 5x: %s\n", ratio,
                ratio >= 5 ? "met" : "MISSED");
  }
  if (first.contains("latency_gw_p99_ms")) {
    const double p99 = median("latency_gw_p99_ms");
    const double goal = median("latency_goal_ms");
    std::printf("latency p99 (medians): %.2f ms vs goal %.2f ms: %s\n", p99, goal,
                p99 <= goal ? "met" : "MISSED");
  }
  if (first.contains("drain_alarm_p99_ms")) {
    const double alarm = median("drain_alarm_p99_ms");
    const double telemetry = median("drain_telemetry_p99_ms");
    const double commit = median("drain_commit_max_ms");
    std::printf("live alarms during the drain, p99 (median): %.1f ms, goal <= 250 ms: %s\n", alarm,
                alarm <= 250 ? "met" : "MISSED");
    std::printf("live telemetry during the drain, p99 (median): %.1f ms, goal <= 500 ms: %s\n",
                telemetry, telemetry <= 500 ? "met" : "MISSED");
    std::printf("longest capture->durable of a live event (median): %.1f ms, goal <= 100 ms: %s\n",
                commit, commit <= 100 ? "met" : "MISSED");
  }
  if (first.contains("ratio_drain_live")) {
    const double ratio = median("ratio_drain_live");
    std::printf("drain rate with live load / without (median): %.2fx\n", ratio);
  }
}

constexpr const char* kUsage =
    "usage: e2e_bench [--events N] [--backlog N] [--latency-seconds S] [--rate EV_S]\n"
    "                 [--raw-window N] [--linger-ms MS] [--max-batch-events N]\n"
    "                 [--uplink-window N] [--live-rate EV_S] [--alarm-rate EV_S]\n"
    "                 [--drain-max-bytes N] [--phases LIST]\n"
    "                 [--runs N] [--timeout-s S] [--verbose]\n";

template <typename T>
bool ParseNumber(const std::string& text, T* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--verbose") {
      o->verbose = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    bool ok = false;
    if (flag == "--events")
      ok = ParseNumber(value, &o->events) && o->events > 0;
    else if (flag == "--backlog")
      ok = ParseNumber(value, &o->backlog);
    else if (flag == "--latency-seconds")
      ok = ParseNumber(value, &o->latency_seconds) && o->latency_seconds > 0;
    else if (flag == "--rate")
      ok = ParseNumber(value, &o->rate) && o->rate > 0;
    else if (flag == "--raw-window")
      ok = ParseNumber(value, &o->raw_window) && o->raw_window > 0;
    else if (flag == "--linger-ms")
      ok = ParseNumber(value, &o->linger_ms) && o->linger_ms >= 0;
    else if (flag == "--max-batch-events")
      ok = ParseNumber(value, &o->max_batch_events) && o->max_batch_events > 0;
    else if (flag == "--uplink-window")
      ok = ParseNumber(value, &o->uplink_window) && o->uplink_window > 0;
    else if (flag == "--live-rate")
      ok = ParseNumber(value, &o->live_rate) && o->live_rate > 0;
    else if (flag == "--drain-max-bytes")
      ok = ParseNumber(value, &o->drain_max_bytes);
    else if (flag == "--alarm-rate")
      ok = ParseNumber(value, &o->alarm_rate) && o->alarm_rate > 0;
    else if (flag == "--phases")
      ok = (o->phases = value, !value.empty());
    else if (flag == "--runs")
      ok = ParseNumber(value, &o->runs) && o->runs > 0;
    else if (flag == "--timeout-s")
      ok = ParseNumber(value, &o->timeout_s) && o->timeout_s > 0;
    if (!ok) {
      std::fprintf(stderr, "e2e_bench: bad flag or value: %s %s\n", flag.c_str(), value.c_str());
      return false;
    }
  }
  return true;
}

int Main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--subscribe") return RunSubscriberChild(argv[2]);
  Options options;
  if (!ParseArgs(argc, argv, &options)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  spdlog::set_level(options.verbose ? spdlog::level::info : spdlog::level::err);
  testing::TempDir dir;
  auto broker =
      testing::Mosquitto::Start(dir.path(), {.port = 0, .listener = "", .global = kBrokerGlobal});
  if (!broker) {
    std::fprintf(stderr, "e2e_bench: FAILED: %s\n", broker.error().ToString().c_str());
    return 1;
  }
  Context ctx{options, dir.path(), broker->get(), nullptr, 0};
  std::vector<Figures> runs;
  for (ctx.run = 1; ctx.run <= options.runs; ++ctx.run) {
    auto figures = RunOnce(ctx);
    if (!figures) {
      std::fprintf(stderr, "e2e_bench: FAILED in run %d: %s (broker log: %s)\n", ctx.run,
                   figures.error().ToString().c_str(), (*broker)->log_path().c_str());
      return 1;
    }
    runs.push_back(std::move(*figures));
  }
  ctx.subscriber.reset();
  (*broker)->Kill();
  PrintTable(options, runs);
  PrintVerdicts(runs);
  return 0;
}

}  // namespace
}  // namespace cityedge::bench

int main(int argc, char** argv) { return cityedge::bench::Main(argc, argv); }
