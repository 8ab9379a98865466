// End-to-end benchmark of the uplink, all phases against one mosquitto on a
// loopback port chosen at run time (see README.md):
//  1. throughput: a synthetic source at full speed -> journal (durability
//     normal) -> uplink -> mosquitto -> a counting subscriber, versus a raw
//     Paho publisher sending one event per QoS 1 message;
//  2. latency at a fixed rate: append -> subscriber, next to the raw
//     publisher's publish -> PUBACK at the same rate;
//  3. backlog: events journaled while the broker is down, then the broker
//     starts: drain rate and time to the first replayed batch.
// Every wait has a limit; a run that cannot finish fails naming what it was
// waiting for.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>

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

// A journal and an uplink in a fresh folder, as cityedged would run them.
class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> Open(const std::string& dir, const std::string& uri,
                                               const Options& options) {
    std::filesystem::create_directories(dir);
    v1::JournalConfig jc;
    jc.set_path(dir + "/journal.db");
    jc.set_durability("normal");
    jc.set_max_bytes(4ull << 30);
    auto journal = journal::Open(jc, clock::Default());
    if (!journal) return std::unexpected(journal.error().Wrap("journal"));
    auto gw = std::unique_ptr<Gateway>(new Gateway(std::move(*journal)));
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

Result<Figures> RunOnce(Context& ctx) {
  Figures f;
  const Options& o = ctx.options;
  const std::uint64_t fixed = o.latency_seconds * static_cast<std::uint64_t>(o.rate);
  if (!ctx.subscriber) {
    if (Status sub = ReconnectSubscriber(ctx, false); !sub) return std::unexpected(sub.error());
  }
  std::fprintf(stderr, "run %d: throughput...\n", ctx.run);
  if (Status s = GatewayPhase(ctx, "throughput", o.events, 0, &f); !s)
    return std::unexpected(s.error());
  if (Status s = RawPhase(ctx, "throughput", o.events, 0, &f); !s)
    return std::unexpected(s.error());
  std::fprintf(stderr, "run %d: latency at %.0f events/s...\n", ctx.run, o.rate);
  if (Status s = GatewayPhase(ctx, "latency", fixed, o.rate, &f); !s)
    return std::unexpected(s.error());
  if (Status s = RawPhase(ctx, "latency", fixed, o.rate, &f); !s) return std::unexpected(s.error());
  if (o.backlog > 0) {
    std::fprintf(stderr, "run %d: backlog of %llu events...\n", ctx.run,
                 static_cast<unsigned long long>(o.backlog));
    if (Status s = BacklogPhase(ctx, &f); !s) return std::unexpected(s.error());
  }
  f["ratio_throughput_sub"] = f["throughput_gw_ev_s"] / f["throughput_raw_sub_ev_s"];
  f["ratio_throughput_ack"] = f["throughput_gw_ev_s"] / f["throughput_raw_ack_ev_s"];
  f["latency_goal_ms"] = static_cast<double>(o.linger_ms) + 2 * f["latency_raw_ack_p99_ms"];
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
      o.max_batch_events, o.uplink_window, o.raw_window, runs.front().at("broker_receive_maximum"));
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
  const double ratio = median("ratio_throughput_sub");
  const double p99 = median("latency_gw_p99_ms");
  const double goal = median("latency_goal_ms");
  std::printf("\nthroughput ratio (medians, at subscriber): %.2fx, goal >= 5x: %s\n", ratio,
              ratio >= 5 ? "met" : "MISSED");
  std::printf("latency p99 (medians): %.2f ms vs goal %.2f ms: %s\n", p99, goal,
              p99 <= goal ? "met" : "MISSED");
}

constexpr const char* kUsage =
    "usage: e2e_bench [--events N] [--backlog N] [--latency-seconds S] [--rate EV_S]\n"
    "                 [--raw-window N] [--linger-ms MS] [--max-batch-events N]\n"
    "                 [--uplink-window N] [--runs N] [--timeout-s S] [--verbose]\n";

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
