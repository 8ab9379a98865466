// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the journal tests: a temporary folder that cleans up and
// event builders. Clocks are fakes::FakeClock (tests/fakes/clock.hpp).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cityedge/v1/event.pb.h"
#include "daemon/config/defaults.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/journal/journal.hpp"

namespace cityedge::journal::testing {

// The layout of a schema_version 1 journal (one events table for every
// class), as builds before the per-class queues left it, with zeroed counters.
inline constexpr const char* kSchemaVersion1 = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, priority INTEGER NOT NULL, state INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL, capture_ns INTEGER NOT NULL, size INTEGER NOT NULL,
  payload BLOB NOT NULL);
CREATE TABLE counters(id INTEGER PRIMARY KEY, rows INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TABLE meta(key TEXT PRIMARY KEY, value);
INSERT INTO meta(key, value) VALUES('schema_version', 1);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 31)
INSERT INTO counters(id, rows, bytes) SELECT i, 0, 0 FROM n;
)sql";

// How long a test waits for a flush before it fails.
inline constexpr std::int64_t kFlushMs = 30'000;

class TempDir {
 public:
  explicit TempDir(const std::string& base = std::filesystem::temp_directory_path().string()) {
    std::string tmpl = base + "/cityedge-journal-XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The schema's defaults (config::WithDefaults), with what these tests rely
// on: fast group commit, no history of delivered rows (an acked row leaves),
// and no free-disk floor (results must not depend on the machine's disk).
inline v1::JournalConfig MakeConfig(const TempDir& dir) {
  v1::JournalConfig config = config::WithDefaults(v1::JournalConfig());
  config.set_path(dir.File("journal.db"));
  // No history, no free-disk floor and no age limit unless a test sets one:
  // rows written with made-up timestamps (ts_ms 0) must not be evicted by the
  // periodic age pass, whose timing differs between builds.
  config.set_history_bytes(0);
  config.set_history_age_ms(0);
  config.set_min_free_disk(0);
  config.set_max_age_ms(0);
  config.set_durability("normal");
  config.set_commit_max_events(64);
  config.set_commit_interval_ms(2);
  return config;
}

// A reading event; `value` identifies it in tests.
inline v1::Event MakeEvent(v1::PriorityClass priority, double value, std::size_t padding = 0) {
  v1::Event event;
  event.set_source("test");
  event.set_priority(priority);
  event.mutable_capture_time()->set_wall_unix_ns(1'700'000'000'000'000'000 +
                                                 static_cast<std::int64_t>(value));
  auto* reading = event.mutable_reading();
  reading->set_channel(std::string("ch") + std::string(padding, 'x'));
  reading->set_value(value);
  reading->set_unit("ug/m3");
  return event;
}

inline v1::Event Parse(const LeasedEvent& leased) {
  v1::Event event;
  event.ParseFromString(leased.payload);
  return event;
}

// Every row still held, via ReadRange.
inline std::vector<v1::Event> ReadAll(Journal& journal) {
  std::vector<v1::Event> events;
  auto rows = journal.ReadRange(0, UINT64_MAX, 100'000'000);
  if (!rows) return events;
  for (const auto& row : *rows) events.push_back(Parse(row));
  return events;
}

// Opens the journal or fails the test with the reason.
inline std::unique_ptr<Journal> OpenOrFail(const v1::JournalConfig& config,
                                           const clock::Clock& clock = clock::Default()) {
  auto journal = Open(config, clock);
  if (!journal) FAIL("open: " << journal.error().ToString());
  return std::move(*journal);
}

// Makes the journal look as if its last run never closed it: its state file
// says "clean 0". Returns false when the state file has no clean mark.
inline bool MarkUnclean(const std::string& db_path) {
  const std::string path = db_path + ".state";
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  std::string state = text.str();
  const auto at = state.find("clean 1");
  if (at == std::string::npos) return false;
  state.replace(at, 7, "clean 0");
  std::ofstream(path, std::ios::trunc) << state;
  return true;
}

}  // namespace cityedge::journal::testing
