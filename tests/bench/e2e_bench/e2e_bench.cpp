// End-to-end benchmark: source -> journal (durability normal) -> uplink ->
// mosquitto -> a counting subscriber, against a raw Paho C++ publisher sending
// one event per QoS 1 message to the same broker in the same run.
// Usage: e2e_bench [--events N] [--backlog N] [--latency-seconds S]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include "daemon/journal/journal.hpp"
#include "daemon/uplink/uplink.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/uplink/uplink_it_common.hpp"

namespace cityedge::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace support = cityedge::testing;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double WallMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

// Counts events on city/gw1/events/# (EventBatch) and bench/raw (one Event).
class Counter {
 public:
  explicit Counter(const std::string& uri) : client_(uri, "bench-sub") {
    client_.set_message_callback([this](mqtt::const_message_ptr m) { OnMessage(*m); });
    client_.connect(mqtt::connect_options_builder().clean_session(true).finalize())->wait();
    client_.subscribe("city/gw1/events/#", 1)->wait();
    client_.subscribe("bench/raw", 1)->wait();
  }
  ~Counter() { client_.disconnect()->wait(); }
  void Reset() {
    std::lock_guard lock(mutex_);
    seqs_.clear();
    raw_ = 0;
    latencies_ms_.clear();
    first_historical_ = {};
  }
  std::size_t distinct() {
    std::lock_guard lock(mutex_);
    return seqs_.size();
  }
  std::size_t raw() {
    std::lock_guard lock(mutex_);
    return raw_;
  }
  std::vector<double> latencies() {
    std::lock_guard lock(mutex_);
    return latencies_ms_;
  }
  Clock::time_point first_historical() {
    std::lock_guard lock(mutex_);
    return first_historical_;
  }

 private:
  void OnMessage(const mqtt::message& m) {
    const double now_ms = WallMs();
    std::lock_guard lock(mutex_);
    if (m.get_topic() == "bench/raw") {
      ++raw_;
      return;
    }
    v1::EventBatch batch;
    if (!batch.ParseFromString(m.get_payload_str())) return;
    if (batch.historical() && first_historical_ == Clock::time_point{})
      first_historical_ = Clock::now();
    for (const v1::Event& e : batch.events()) {
      if (seqs_.insert(e.seq()).second) {
        latencies_ms_.push_back(now_ms - e.capture_time().wall_unix_ns() / 1e6);
      }
    }
  }
  mqtt::async_client client_;
  std::mutex mutex_;
  std::set<std::uint64_t> seqs_;
  std::size_t raw_ = 0;
  std::vector<double> latencies_ms_;
  Clock::time_point first_historical_{};
};

bool WaitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = Clock::now() + limit;
  while (!done() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return done();
}

struct Gateway {
  Gateway(const std::string& dir, const std::string& uri) {
    std::filesystem::create_directories(dir);
    v1::JournalConfig jc;
    jc.set_path(dir + "/journal.db");
    jc.set_durability("normal");
    jc.set_max_bytes(4ull << 30);
    auto opened = journal::Open(jc, clock::Default());
    if (!opened) {
      std::fprintf(stderr, "journal: %s\n", opened.error().ToString().c_str());
      std::exit(1);
    }
    journal = std::move(*opened);
    v1::Config config = uplink::it::UplinkConfig({uri});
    config.mutable_uplink()->set_max_batch_events(500);
    config.mutable_uplink()->set_linger_ms(20);
    uplink = std::move(*uplink::Uplink::Create(config, *journal, clock::Default(), dir, nullptr));
  }
  ~Gateway() {
    uplink->Stop(std::chrono::seconds(2));
    journal->Close();
  }
  std::unique_ptr<journal::Journal> journal;
  std::unique_ptr<uplink::Uplink> uplink;
};

double GatewayThroughput(const std::string& dir, const std::string& uri, Counter& counter, int n) {
  Gateway gw(dir, uri);
  (void)gw.uplink->Start();
  WaitFor([&] { return gw.uplink->GetStats().connected; }, std::chrono::seconds(10));
  counter.Reset();
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i)
    (void)gw.journal->Emit(uplink::it::MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i));
  WaitFor([&] { return counter.distinct() >= static_cast<std::size_t>(n); },
          std::chrono::seconds(300));
  return counter.distinct() / Seconds(Clock::now() - start);
}

double RawThroughput(const std::string& uri, Counter& counter, int n,
                     std::vector<double>* acks_ms) {
  mqtt::async_client client(uri, "bench-raw", mqtt::create_options(5, 100000), nullptr);
  client.connect(mqtt::connect_options_builder().mqtt_version(5).clean_start(true).finalize())
      ->wait();
  counter.Reset();
  const std::string payload =
      uplink::it::MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, 1).SerializeAsString();
  const auto start = Clock::now();
  std::vector<mqtt::delivery_token_ptr> tokens;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto tok = client.publish("bench/raw", payload.data(), payload.size(), 1, false);
    if (acks_ms) {
      tok->wait();
      acks_ms->push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      std::this_thread::sleep_until(start + std::chrono::microseconds(1000 * (i + 1)));
    } else {
      tokens.push_back(tok);
      if (tokens.size() >= 64) {
        for (auto& t : tokens) t->wait();
        tokens.clear();
      }
    }
  }
  for (auto& t : tokens) t->wait();
  WaitFor([&] { return counter.raw() >= static_cast<std::size_t>(n); }, std::chrono::seconds(120));
  const double rate = counter.raw() / Seconds(Clock::now() - start);
  client.disconnect()->wait();
  return rate;
}

void FixedRateLatency(const std::string& dir, const std::string& uri, Counter& counter,
                      int seconds) {
  Gateway gw(dir, uri);
  (void)gw.uplink->Start();
  WaitFor([&] { return gw.uplink->GetStats().connected; }, std::chrono::seconds(10));
  counter.Reset();
  const auto start = Clock::now();
  for (int i = 0; i < seconds * 1000; ++i) {
    (void)gw.journal->Emit(uplink::it::MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i));
    std::this_thread::sleep_until(start + std::chrono::microseconds(1000 * (i + 1)));
  }
  WaitFor([&] { return counter.distinct() >= static_cast<std::size_t>(seconds * 1000); },
          std::chrono::seconds(30));
  const auto lat = counter.latencies();
  std::vector<double> raw_acks;
  (void)RawThroughput(uri, counter, seconds * 1000, &raw_acks);
  std::printf(
      "fixed 1000 ev/s: gateway append->subscriber p50 %.2f ms p99 %.2f ms; raw publish->PUBACK "
      "p99 %.2f ms (linger 20 ms)\n",
      Percentile(lat, 0.5), Percentile(lat, 0.99), Percentile(raw_acks, 0.99));
}

void Backlog(const std::string& dir, support::Mosquitto& broker, Counter*& counter, int n) {
  broker.Kill();
  std::unique_ptr<Gateway> gw = std::make_unique<Gateway>(dir, broker.uri());
  (void)gw->uplink->Start();
  for (int i = 0; i < n; ++i)
    (void)gw->journal->Emit(uplink::it::MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i));
  (void)gw->journal->Flush(600000);
  const std::uint64_t base = 0;
  (void)base;
  if (!broker.Restart()) return;
  const auto start = Clock::now();
  Counter fresh(broker.uri());
  counter = nullptr;
  WaitFor([&] { return fresh.distinct() >= static_cast<std::size_t>(n); },
          std::chrono::seconds(600));
  const double total = Seconds(Clock::now() - start);
  std::printf("backlog %d: drained %.0f events/s; first replayed batch %.3f s after broker start\n",
              n, fresh.distinct() / total, Seconds(fresh.first_historical() - start));
}

}  // namespace
}  // namespace cityedge::bench

int main(int argc, char** argv) {
  using namespace cityedge::bench;
  int events = 200000, backlog = 1000000, latency_s = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--events") events = std::atoi(argv[i + 1]);
    if (a == "--backlog") backlog = std::atoi(argv[i + 1]);
    if (a == "--latency-seconds") latency_s = std::atoi(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  cityedge::testing::TempDir dir;
  auto broker = cityedge::testing::Mosquitto::Start(dir.path(), {});
  if (!broker) return 1;
  Counter* counter_ptr = nullptr;
  {
    Counter counter((*broker)->uri());
    counter_ptr = &counter;
    const double gw_rate = GatewayThroughput(dir.path() + "/t", (*broker)->uri(), counter, events);
    const double raw_rate = RawThroughput((*broker)->uri(), counter, events, nullptr);
    std::printf(
        "throughput %d events: gateway %.0f events/s, raw QoS1 %.0f events/s, ratio %.2fx\n",
        events, gw_rate, raw_rate, gw_rate / raw_rate);
    FixedRateLatency(dir.path() + "/l", (*broker)->uri(), counter, latency_s);
  }
  if (backlog > 0) Backlog(dir.path() + "/b", **broker, counter_ptr, backlog);
  return 0;
}
