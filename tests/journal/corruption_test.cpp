// SPDX-License-Identifier: Apache-2.0
// Corruption corpus: each damaged journal is quarantined, a fresh journal
// starts above the old high-water mark and a gap record says what happened;
// benign states (an empty WAL, a lost -shm) open without losing anything.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "daemon/journal/file_check.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/journal/sqlite_db.hpp"
#include "journal_test_util.hpp"

namespace cityedge::journal {
namespace {

namespace fs = std::filesystem;
using testing::MakeConfig;
using testing::MakeEvent;
using testing::ReadAll;
using testing::TempDir;

constexpr int kEvents = 200;
using testing::kFlushMs;
using testing::MarkUnclean;

void Populate(const v1::JournalConfig& config) {
  auto journal = Open(config, clock::Default());
  REQUIRE(journal.has_value());
  for (int i = 0; i < kEvents; ++i) {
    REQUIRE((*journal)->Emit(
        MakeEvent(i % 2 ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_TELEMETRY, i, 200)));
  }
  REQUIRE((*journal)->Flush(kFlushMs));
  (*journal)->Close();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// Opens the damaged journal and checks quarantine, gap record and continuity.
void ExpectQuarantined(const v1::JournalConfig& config) {
  auto journal = Open(config, clock::Default());
  REQUIRE(journal.has_value());
  CHECK(ListQuarantined(config.path()).size() == 1);
  REQUIRE((*journal)->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 1000)));
  REQUIRE((*journal)->Flush(kFlushMs));
  const auto events = ReadAll(**journal);
  REQUIRE(events.size() == 2);
  const v1::Event& gap = events[0];
  CHECK(gap.priority() == v1::PRIORITY_CLASS_GAP);
  CHECK(gap.gap_record().reason() == v1::GAP_REASON_CORRUPT);
  CHECK(gap.gap_record().last_seq() >= kEvents);
  CHECK(gap.gap_record().detail().find("quarantined") != std::string::npos);
  CHECK(gap.seq() > kEvents);
  CHECK(events[1].seq() > gap.seq());
  CHECK(events[1].reading().value() == 1000);
  (*journal)->Close();
  auto check = IntegrityCheck(config.path());
  REQUIRE(check.has_value());
  CHECK(*check == "ok");
}

void ExpectIntact(const v1::JournalConfig& config) {
  auto journal = Open(config, clock::Default());
  REQUIRE(journal.has_value());
  CHECK(ListQuarantined(config.path()).empty());
  const auto events = ReadAll(**journal);
  REQUIRE(events.size() == kEvents);
  for (int i = 0; i < kEvents; ++i) CHECK(events[i].reading().value() == i);
  REQUIRE((*journal)->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 1000)));
  REQUIRE((*journal)->Flush(kFlushMs));
  CHECK(ReadAll(**journal).back().seq() == kEvents + 1);
}

TEST_CASE("Corrupt journal files are quarantined and replaced") {
  struct Case {
    const char* name;
    std::function<void(const std::string&)> damage;
  };
  const std::vector<Case> cases = {
      {"zero-filled file",
       [](const std::string& p) { WriteFile(p, std::string(fs::file_size(p), '\0')); }},
      {"truncated to whole pages",
       [](const std::string& p) { fs::resize_file(p, (fs::file_size(p) / 2) / 4096 * 4096); }},
      {"truncated mid-page",
       [](const std::string& p) { fs::resize_file(p, fs::file_size(p) - 1000); }},
      {"shorter than a header", [](const std::string& p) { fs::resize_file(p, 60); }},
      {"flipped bytes in the header",
       [](const std::string& p) {
         std::string data = ReadFile(p);
         for (int i = 0; i < 16; i += 3) data[i] = static_cast<char>(data[i] ^ 0x5a);
         WriteFile(p, data);
       }},
      {"flipped bytes in b-tree pages after a crash",
       [](const std::string& p) {
         std::string data = ReadFile(p);
         for (std::size_t page = 1; page * 4096 < data.size(); ++page) {
           for (std::size_t i = 0; i < 8; ++i) data[page * 4096 + i] ^= static_cast<char>(0xff);
         }
         WriteFile(p, data);
         REQUIRE(MarkUnclean(p));
       }},
      {"not a database at all",
       [](const std::string& p) { WriteFile(p, "journal: this is a text file\n"); }},
      // Readable SQLite files that are not this journal: set aside untouched,
      // never adopted or migrated.
      {"a journal of a newer schema",
       [](const std::string& p) {
         auto db = Db::Open(p, false);
         REQUIRE(db);
         REQUIRE(db->Exec("UPDATE meta SET value = 3 WHERE key = 'schema_version'"));
       }},
      {"a foreign database with an events table",
       [](const std::string& p) {
         fs::remove(p);
         auto db = Db::Open(p, true);
         REQUIRE(db);
         REQUIRE(
             db->Exec("CREATE TABLE events(id INTEGER PRIMARY KEY, body TEXT);"
                      "INSERT INTO events(body) VALUES('not a journal')"));
       }},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      TempDir dir;
      const v1::JournalConfig config = MakeConfig(dir);
      Populate(config);
      c.damage(config.path());
      ExpectQuarantined(config);
    }
  }
}

TEST_CASE("An empty WAL next to a cleanly closed journal loses nothing") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  Populate(config);
  WriteFile(config.path() + "-wal", "");
  ExpectIntact(config);
}

TEST_CASE("A deleted -shm with a live WAL is rebuilt from the WAL, nothing lost") {
  TempDir dir;
  TempDir copy;
  const v1::JournalConfig config = MakeConfig(dir);
  auto journal = Open(config, clock::Default());
  REQUIRE(journal.has_value());
  for (int i = 0; i < kEvents; ++i) {
    REQUIRE((*journal)->Emit(
        MakeEvent(i % 2 ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_TELEMETRY, i, 200)));
  }
  REQUIRE((*journal)->Flush(kFlushMs));
  // A copy taken while the journal is open looks like a crash: WAL present.
  for (const char* suffix : {"", "-wal", ".state"}) {
    fs::copy_file(config.path() + suffix, copy.File("journal.db") + suffix);
  }
  REQUIRE(fs::file_size(copy.File("journal.db-wal")) > 0);
  v1::JournalConfig copied = config;
  copied.set_path(copy.File("journal.db"));
  ExpectIntact(copied);
}

TEST_CASE("A stale journal file behind the recorded high-water mark yields a gap record") {
  TempDir dir;
  const v1::JournalConfig config = MakeConfig(dir);
  Populate(config);  // seqs 1..200, closed cleanly
  const std::string old_copy = ReadFile(config.path());
  Populate(config);  // seqs 201..400
  WriteFile(config.path(), old_copy);
  auto journal = Open(config, clock::Default());
  REQUIRE(journal.has_value());
  REQUIRE((*journal)->Emit(MakeEvent(v1::PRIORITY_CLASS_ALARM, 1000)));
  REQUIRE((*journal)->Flush(kFlushMs));
  const auto events = ReadAll(**journal);
  REQUIRE(events.size() == kEvents + 2);
  const v1::GapRecord& gap = events[kEvents].gap_record();
  CHECK(gap.reason() == v1::GAP_REASON_CORRUPT);
  CHECK(gap.first_seq() == kEvents + 1);
  CHECK(gap.last_seq() == 2 * kEvents);
  CHECK(gap.count() == kEvents);
  CHECK(events.back().seq() > 2 * kEvents);
}

}  // namespace
}  // namespace cityedge::journal
