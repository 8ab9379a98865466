// SPDX-License-Identifier: Apache-2.0
// journal_bench [--dir D] [--events N] [--runs R] [--big]
//
// Figures, each against a baseline measured in the same run:
//  1. events/s through Emit -> commit -> Take -> Ack (group commit, durability
//     normal) vs a bare sqlite3 loop inserting the same blobs in transactions
//     of the same size, the two run back to back; ratio = journal / bare per
//     run, reported as the median, minimum and maximum over the runs (goal:
//     median >= 0.8), so one run on a busy machine does not decide it.
//  2. bytes written to disk per event (/proc/self/io write_bytes) vs the
//     serialized event size (goal <= 3x), for the unpaced run of figure 1 and
//     for a producer paced at --steady-rate events/s (steady load).
//  3. RSS of a fresh process that opens a journal and takes one lease, with
//     100k queued events vs 1M (10M with --big) (goal: within 2 MiB).
//  4. open-to-first-lease time with the large journal (goal <= 2 s).
//  5. a replay's query by capture time over the large journal (1M events, all
//     captured within one second, the hardest case for the index's one-minute
//     buckets): ReadCaptured vs the scan the replay planner used before it
//     (every held row read and parsed), for a range of 10,000 events in the
//     middle, median of three (goal: index <= 100 ms).
// Each throughput figure is the median of --runs runs (default 5).
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/config/defaults.hpp"
#include "daemon/journal/journal.hpp"

namespace {

namespace fs = std::filesystem;
using cityedge::journal::LeaseRequest;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kBatch = 512;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::uint64_t ProcValue(const char* file, const char* key) {
  std::ifstream in(file);
  std::string k;
  std::uint64_t v = 0;
  while (in >> k) {
    if (k == key) {
      in >> v;
      return v;
    }
  }
  return 0;
}

cityedge::v1::Event MakeEvent(std::uint64_t i) {
  cityedge::v1::Event event;
  event.set_source("aq1/aggregate");
  event.set_priority(i % 20 == 0 ? cityedge::v1::PRIORITY_CLASS_DETECTION
                                 : cityedge::v1::PRIORITY_CLASS_TELEMETRY);
  auto* ts = event.mutable_capture_time();
  ts->set_wall_unix_ns(1'700'000'000'000'000'000 + static_cast<std::int64_t>(i) * 1000);
  ts->set_monotonic_ns(static_cast<std::int64_t>(i) * 1000);
  ts->set_boot_id(std::string(16, '\x42'));
  ts->set_clock_state(cityedge::v1::CLOCK_STATE_NTP);
  auto* r = event.mutable_reading();
  r->set_channel("pm2_5");
  r->set_value(12.5 + static_cast<double>(i % 100));
  r->set_unit("ug/m3");
  r->set_quality(cityedge::v1::QUALITY_GOOD);
  return event;
}

cityedge::v1::JournalConfig Config(const std::string& path) {
  cityedge::v1::JournalConfig c = cityedge::config::WithDefaults(cityedge::v1::JournalConfig());
  c.set_path(path);
  c.set_history_bytes(0);
  c.set_history_age_ms(0);
  c.set_durability("normal");
  c.set_max_bytes(8ULL << 30);
  c.set_commit_max_events(kBatch);
  c.set_commit_interval_ms(20);
  c.set_wal_limit(16 << 20);
  return c;
}

void RemoveJournal(const std::string& path) {
  for (const char* s : {"", "-wal", "-shm", ".state", ".reserve"}) fs::remove(path + s);
}

struct RunResult {
  double events_per_s = 0;
  double bytes_per_event = 0;
};

// rate 0: the producer emits as fast as it can.
RunResult RunJournal(const std::string& path, std::uint64_t n, double rate = 0) {
  RemoveJournal(path);
  auto journal = cityedge::journal::Open(Config(path), cityedge::clock::Default());
  if (!journal) {
    std::fprintf(stderr, "open: %s\n", journal.error().ToString().c_str());
    std::exit(1);
  }
  auto& j = **journal;
  const std::uint64_t io_before = ProcValue("/proc/self/io", "write_bytes:");
  const auto start = Clock::now();
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (rate > 0 && i % 64 == 0) {
        std::this_thread::sleep_until(
            start + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(i) / rate)));
      }
      (void)j.Emit(MakeEvent(i));
    }
  });
  std::uint64_t acked = 0;
  LeaseRequest request;
  request.max_events = 500;
  while (acked < n) {
    auto lease = j.Take(request);
    if (!lease || !lease->has_value()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    acked += (*lease)->events.size();
    (void)j.Ack((*lease)->id);
  }
  producer.join();
  (void)j.Flush(60'000);
  RunResult r;
  r.events_per_s = static_cast<double>(n) / Seconds(start);
  j.Close();  // the final checkpoint is part of what an event costs on disk
  r.bytes_per_event =
      static_cast<double>(ProcValue("/proc/self/io", "write_bytes:") - io_before) / n;
  return r;
}

void Check(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE) {
    std::fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
    std::exit(1);
  }
}

double RunBare(const std::string& path, std::uint64_t n) {
  RemoveJournal(path);
  std::vector<std::string> blobs;
  const auto start = Clock::now();
  sqlite3* db = nullptr;
  Check(sqlite3_open(path.c_str(), &db), db);
  Check(sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     "CREATE TABLE t(seq INTEGER PRIMARY KEY AUTOINCREMENT, b BLOB)",
                     nullptr, nullptr, nullptr),
        db);
  sqlite3_stmt* insert = nullptr;
  Check(sqlite3_prepare_v2(db, "INSERT INTO t(b) VALUES(?)", -1, &insert, nullptr), db);
  std::string blob;
  for (std::uint64_t i = 0; i < n; i += kBatch) {
    Check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db);
    for (std::uint64_t k = i; k < std::min<std::uint64_t>(n, i + kBatch); ++k) {
      blob.clear();
      MakeEvent(k).AppendToString(&blob);
      sqlite3_bind_blob(insert, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
      Check(sqlite3_step(insert), db);
      sqlite3_reset(insert);
    }
    Check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return static_cast<double>(n) / Seconds(start);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Child mode: open, take one lease, report open->lease ms and RSS in KiB.
int OpenAndLease(const std::string& path) {
  const auto start = Clock::now();
  auto journal = cityedge::journal::Open(Config(path), cityedge::clock::Default());
  if (!journal) return 1;
  auto lease = (*journal)->Take(LeaseRequest{});
  const double ms = Seconds(start) * 1000;
  if (!lease || !lease->has_value()) return 1;
  (void)(*journal)->Release((*lease)->id);
  std::printf("%.1f %llu\n", ms,
              static_cast<unsigned long long>(ProcValue("/proc/self/status", "VmRSS:")));
  return 0;
}

void Fill(const std::string& path, std::uint64_t n) {
  RemoveJournal(path);
  auto journal = cityedge::journal::Open(Config(path), cityedge::clock::Default());
  if (!journal) std::exit(1);
  for (std::uint64_t i = 0; i < n; ++i) (void)(*journal)->Emit(MakeEvent(i));
  (void)(*journal)->Flush(600'000);
  (*journal)->Close();
}

// The replay planner before the capture index: every held row, parsed.
std::vector<std::uint64_t> ScanCaptured(cityedge::journal::Journal& journal, std::int64_t from,
                                        std::int64_t to) {
  std::vector<std::uint64_t> seqs;
  std::uint64_t next = 1;
  while (true) {
    auto rows = journal.ReadRange(next, UINT64_MAX, 2000);
    if (!rows || rows->empty()) break;
    for (const auto& row : *rows) {
      next = row.seq + 1;
      cityedge::v1::Event e;
      if (!e.ParseFromString(row.payload)) continue;
      const std::int64_t t = e.capture_time().wall_unix_ns();
      if (t >= from && t <= to) seqs.push_back(row.seq);
    }
  }
  return seqs;
}

// Milliseconds of the index query and of the old scan, medians of three.
std::pair<double, double> MeasureReplayQuery(const std::string& path, std::uint64_t n,
                                             std::uint64_t in_range) {
  auto journal = cityedge::journal::Open(Config(path), cityedge::clock::Default());
  if (!journal) std::exit(1);
  const std::int64_t from = MakeEvent(n / 2).capture_time().wall_unix_ns();
  const std::int64_t to = MakeEvent(n / 2 + in_range - 1).capture_time().wall_unix_ns();
  std::vector<double> index_ms, scan_ms;
  for (int r = 0; r < 3; ++r) {
    auto start = Clock::now();
    auto rows = (*journal)->ReadCaptured(from, to, 100'001);
    index_ms.push_back(Seconds(start) * 1000);
    start = Clock::now();
    const std::vector<std::uint64_t> scanned = ScanCaptured(**journal, from, to);
    scan_ms.push_back(Seconds(start) * 1000);
    if (!rows || rows->size() != in_range || scanned.size() != in_range ||
        rows->front().seq != scanned.front() || rows->back().seq != scanned.back()) {
      std::fprintf(stderr, "replay query: the index and the scan disagree\n");
      std::exit(1);
    }
  }
  (*journal)->Close();
  return {Median(index_ms), Median(scan_ms)};
}

std::pair<double, double> MeasureOpen(const std::string& self, const std::string& path) {
  std::string cmd = "'" + self + "' --open-and-lease '" + path + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  double ms = 0;
  double rss_kib = 0;
  if (p == nullptr || std::fscanf(p, "%lf %lf", &ms, &rss_kib) != 2) std::exit(1);
  ::pclose(p);
  return {ms, rss_kib};
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = fs::current_path().string() + "/journal_bench.data";
  std::uint64_t events = 200'000;
  int runs = 5;
  std::uint64_t large = 1'000'000;
  double steady_rate = 20'000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--open-and-lease" && i + 1 < argc) return OpenAndLease(argv[i + 1]);
    if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    if (a == "--events" && i + 1 < argc) events = std::strtoull(argv[++i], nullptr, 10);
    if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
    if (a == "--big") large = 10'000'000;
    if (a == "--steady-rate" && i + 1 < argc) steady_rate = std::strtod(argv[++i], nullptr);
  }
  fs::create_directories(dir);
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::size_t event_size = MakeEvent(7).ByteSizeLong() + 4;  // + seq field
  std::printf("journal_bench: %llu events per run, %d runs, event ~%zu bytes, dir %s\n",
              static_cast<unsigned long long>(events), runs, event_size, dir.c_str());

  std::vector<double> j_rate, b_rate, j_bytes, ratios;
  for (int r = 0; r < runs; ++r) {
    const RunResult jr = RunJournal(dir + "/journal.db", events);
    j_rate.push_back(jr.events_per_s);
    j_bytes.push_back(jr.bytes_per_event);
    b_rate.push_back(RunBare(dir + "/bare.db", events));
    ratios.push_back(j_rate.back() / b_rate.back());
    std::printf("run %d: journal %.0f ev/s, bare %.0f ev/s, ratio %.2f\n", r + 1, j_rate.back(),
                b_rate.back(), ratios.back());
  }
  std::vector<double> steady_bytes;
  for (int r = 0; r < runs; ++r) {
    const auto n = static_cast<std::uint64_t>(steady_rate * 2);  // two seconds
    steady_bytes.push_back(RunJournal(dir + "/journal.db", n, steady_rate).bytes_per_event);
  }
  const double jr = Median(j_rate), br = Median(b_rate), jb = Median(j_bytes);
  const double sb = Median(steady_bytes);
  const auto [ratio_min, ratio_max] = std::minmax_element(ratios.begin(), ratios.end());
  std::printf(
      "throughput  journal append+lease+ack %.0f ev/s | bare sqlite3 insert %.0f ev/s | "
      "ratio per run: median %.2f, min %.2f, max %.2f of %d (goal: median >= 0.80)\n",
      jr, br, Median(ratios), *ratio_min, *ratio_max, runs);
  std::printf(
      "disk writes %.0f bytes/event | serialized event %zu bytes | ratio %.2f (goal <= 3)\n", jb,
      event_size, jb / static_cast<double>(event_size));
  std::printf("disk writes at steady load (%.0f ev/s) %.0f bytes/event | ratio %.2f (goal <= 3)\n",
              steady_rate, sb, sb / static_cast<double>(event_size));

  Fill(dir + "/small.db", 100'000);
  Fill(dir + "/large.db", large);
  const auto small = MeasureOpen(self, dir + "/small.db");
  const auto big = MeasureOpen(self, dir + "/large.db");
  std::printf(
      "rss         100k queued %.0f KiB | %llu queued %.0f KiB | diff %.0f KiB (goal <= 2048)\n",
      small.second, static_cast<unsigned long long>(large), big.second, big.second - small.second);
  std::printf(
      "startup     open->first lease: 100k %.1f ms | %llu %.1f ms (goal <= 2000) | ratio %.2f\n",
      small.first, static_cast<unsigned long long>(large), big.first, big.first / small.first);
  constexpr std::uint64_t kReplayEvents = 10'000;
  const auto [index_ms, scan_ms] = MeasureReplayQuery(dir + "/large.db", large, kReplayEvents);
  std::printf(
      "replay      capture-time range of %llu in %llu events: index %.1f ms | old scan %.1f ms | "
      "ratio %.4f (goal: index <= 100 ms)\n",
      static_cast<unsigned long long>(kReplayEvents), static_cast<unsigned long long>(large),
      index_ms, scan_ms, index_ms / scan_ms);
  for (const char* f : {"/journal.db", "/bare.db", "/small.db", "/large.db"})
    RemoveJournal(dir + f);
  fs::remove_all(dir);
  return 0;
}
