// SPDX-License-Identifier: Apache-2.0
// worker_hop_bench [--dir D] [--events N] [--rate R] [--runs K]
//
// The cost of running a pipeline in a vision worker instead of the core, for
// the events it emits: a child process plays the worker and sends events over
// the worker channel (vision::Channel, the protocol the real worker speaks)
// at --rate events/s, each stamped with CLOCK_MONOTONIC at emit; the parent
// plays the core: it receives them and appends them to a real journal.
// Figures, p50/p99/max over --events events, median of --runs runs:
//   hop     emit in the worker -> the core's journal append call
//   commit  emit -> the journal's commit (group commit, durability normal)
// and the same commit figure for events emitted in-process at the same rate
// (the baseline), with the ratio through-worker / in-process.
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config/defaults.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/vision/protocol.hpp"

namespace {

namespace fs = std::filesystem;

std::int64_t MonoNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

cityedge::v1::Event PeopleCountEvent(std::uint64_t i) {
  cityedge::v1::Event e;
  e.set_source("cam1/people");
  e.set_priority(cityedge::v1::PRIORITY_CLASS_DETECTION);
  auto* ts = e.mutable_capture_time();
  ts->set_wall_unix_ns(1'796'000'000'000'000'000 + static_cast<std::int64_t>(i) * 1000);
  ts->set_monotonic_ns(MonoNs());
  ts->set_boot_id(std::string(16, '\x42'));
  auto* pc = e.mutable_people_count();
  pc->set_count(static_cast<std::uint32_t>(i % 17));
  pc->set_interval_ms(1000);
  for (int z = 0; z < 3; ++z) {
    auto* zone = pc->add_zones();
    zone->set_zone("zone" + std::to_string(z));
    zone->set_count(static_cast<std::uint32_t>((i + z) % 5));
  }
  return e;
}

cityedge::v1::JournalConfig Config(const std::string& path) {
  cityedge::v1::JournalConfig c = cityedge::config::WithDefaults(cityedge::v1::JournalConfig());
  c.set_path(path);
  c.set_history_bytes(0);
  c.set_history_age_ms(0);
  c.set_durability("normal");
  c.set_max_bytes(1ULL << 30);
  c.set_commit_max_events(512);
  c.set_commit_interval_ms(20);
  c.set_wal_limit(16 << 20);
  return c;
}

struct Stats {
  double p50_us = 0, p99_us = 0, max_us = 0;
};

Stats Summarise(std::vector<std::int64_t> ns) {
  if (ns.empty()) return {};
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    return static_cast<double>(
               ns[std::min(ns.size() - 1, static_cast<std::size_t>(q * ns.size()))]) /
           1e3;
  };
  return {at(0.50), at(0.99), static_cast<double>(ns.back()) / 1e3};
}

// Appends events to a journal and records, per event, when its seq became
// durable; commit latencies are measured from each event's monotonic stamp.
class Committer {
 public:
  explicit Committer(cityedge::journal::Journal& journal) : journal_(journal) {
    base_ = journal_.DurableSeq();
    watcher_ = std::thread([this] { Watch(); });
  }
  void Append(cityedge::v1::Event e) {
    emitted_.push_back(e.capture_time().monotonic_ns());
    emitted_count_.store(emitted_.size());
    if (!journal_.Emit(std::move(e))) std::fprintf(stderr, "journal refused an event\n");
  }
  std::vector<std::int64_t> Finish() {
    (void)journal_.Flush(10'000);
    done_ = true;
    watcher_.join();
    std::vector<std::int64_t> latency;
    for (std::size_t i = 0; i < emitted_.size() && i < committed_.size(); ++i) {
      latency.push_back(committed_[i] - emitted_[i]);
    }
    return latency;
  }

 private:
  void Watch() {
    std::uint64_t seen = base_;
    while (true) {
      const std::uint64_t durable = journal_.DurableSeq();
      const std::int64_t now = MonoNs();
      for (; seen < durable; ++seen) committed_.push_back(now);
      if (done_ && committed_.size() >= emitted_count_.load()) return;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  cityedge::journal::Journal& journal_;
  std::uint64_t base_ = 0;
  std::vector<std::int64_t> emitted_;    // appended on the caller's thread
  std::vector<std::int64_t> committed_;  // on the watcher's
  std::atomic<std::size_t> emitted_count_{0};
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

void Pace(std::int64_t start, std::uint64_t i, double rate) {
  const std::int64_t due = start + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / rate);
  while (MonoNs() < due) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

struct Run {
  Stats hop, via_worker, in_process;
};

Run OneRun(const std::string& dir, std::uint64_t events, double rate) {
  Run run;
  {  // Through a worker process.
    const std::string path = dir + "/worker.db";
    auto journal = cityedge::journal::Open(Config(path), cityedge::clock::Default());
    if (!journal)
      std::exit((std::fprintf(stderr, "journal: %s\n", journal.error().message().c_str()), 1));
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::exit(1);
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(sv[0]);
      cityedge::vision::Channel channel(sv[1]);
      const std::int64_t start = MonoNs();
      for (std::uint64_t i = 0; i < events; ++i) {
        Pace(start, i, rate);
        cityedge::internal::FromWorker m;
        *m.mutable_event() = PeopleCountEvent(i);
        if (!channel.Send(m)) ::_exit(1);
      }
      ::_exit(0);
    }
    ::close(sv[1]);
    cityedge::vision::Channel channel(sv[0]);
    Committer committer(**journal);
    std::vector<std::int64_t> hop;
    for (std::uint64_t i = 0; i < events; ++i) {
      cityedge::internal::FromWorker m;
      if (!channel.Receive(&m)) break;
      hop.push_back(MonoNs() - m.event().capture_time().monotonic_ns());
      committer.Append(std::move(*m.mutable_event()));
    }
    run.hop = Summarise(hop);
    run.via_worker = Summarise(committer.Finish());
    ::close(sv[0]);
    ::waitpid(child, nullptr, 0);
    (*journal)->Close();
  }
  {  // In-process baseline: the pipeline emits straight into the journal.
    const std::string path = dir + "/inprocess.db";
    auto journal = cityedge::journal::Open(Config(path), cityedge::clock::Default());
    if (!journal) std::exit(1);
    Committer committer(**journal);
    const std::int64_t start = MonoNs();
    for (std::uint64_t i = 0; i < events; ++i) {
      Pace(start, i, rate);
      committer.Append(PeopleCountEvent(i));
    }
    run.in_process = Summarise(committer.Finish());
    (*journal)->Close();
  }
  return run;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = fs::temp_directory_path() / "cityedge-worker-hop";
  std::uint64_t events = 2000;
  double rate = 200;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--events")
      events = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--rate")
      rate = std::strtod(argv[i + 1], nullptr);
    else if (a == "--runs")
      runs = std::atoi(argv[i + 1]);
  }
  std::vector<Run> all;
  for (int r = 0; r < runs; ++r) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    all.push_back(OneRun(dir, events, rate));
  }
  fs::remove_all(dir);
  auto med = [&](auto field) {
    std::vector<double> v;
    for (const Run& r : all) v.push_back(field(r));
    return Median(v);
  };
  std::printf("worker_hop_bench: %llu PeopleCount events at %.0f/s, median of %d runs (us)\n",
              static_cast<unsigned long long>(events), rate, runs);
  std::printf("%-34s %9s %9s %9s\n", "", "p50", "p99", "max");
  std::printf("%-34s %9.1f %9.1f %9.1f\n", "hop: worker emit -> core append",
              med([](const Run& r) { return r.hop.p50_us; }),
              med([](const Run& r) { return r.hop.p99_us; }),
              med([](const Run& r) { return r.hop.max_us; }));
  const double w50 = med([](const Run& r) { return r.via_worker.p50_us; });
  const double w99 = med([](const Run& r) { return r.via_worker.p99_us; });
  const double b50 = med([](const Run& r) { return r.in_process.p50_us; });
  const double b99 = med([](const Run& r) { return r.in_process.p99_us; });
  std::printf("%-34s %9.1f %9.1f %9.1f\n", "commit: emit via worker -> durable", w50, w99,
              med([](const Run& r) { return r.via_worker.max_us; }));
  std::printf("%-34s %9.1f %9.1f %9.1f\n", "commit: emit in-process -> durable", b50, b99,
              med([](const Run& r) { return r.in_process.max_us; }));
  std::printf("ratio via worker / in-process: p50 %.2f, p99 %.2f (goal: hop p99 <= 1000 us)\n",
              w50 / b50, w99 / b99);
  return 0;
}
