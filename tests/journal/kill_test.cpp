// SPDX-License-Identifier: Apache-2.0
// kill -9 under load: a torture program appends and acks with durability
// "full" and is killed with SIGKILL at random moments. After every kill the
// file passes integrity_check; every seq reported durable is present unless it
// was being acked; seqs never go backwards or repeat.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/config/defaults.hpp"
#include "daemon/journal/file_check.hpp"
#include "daemon/journal/journal.hpp"
#include "journal_test_util.hpp"

namespace cityedge::journal {
namespace {

using testing::Parse;
using testing::TempDir;

constexpr int kKills = 60;

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child Spawn(const std::string& db, int run) {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    const std::string run_text = std::to_string(run);
    // Cross builds under qemu-user without binfmt_misc: the ARM child runs
    // through the emulator; exec keeps the pid the test kills.
    if (const char* emulator = std::getenv("CITYEDGE_EMULATOR"); emulator && *emulator) {
      ::execl("/bin/sh", "sh", "-c", "exec $CITYEDGE_EMULATOR \"$0\" \"$@\"", JOURNAL_TORTURE_PATH,
              db.c_str(), run_text.c_str(), nullptr);
    }
    ::execl(JOURNAL_TORTURE_PATH, JOURNAL_TORTURE_PATH, db.c_str(), run_text.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

// Reads complete lines until `wanted` of them arrived or the child is gone.
std::vector<std::string> ReadLines(int fd, int wanted, std::string& partial) {
  std::vector<std::string> lines;
  char buf[4096];
  while (static_cast<int>(lines.size()) < wanted) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    partial.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      lines.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
  }
  return lines;
}

struct Ledger {
  std::uint64_t durable = 0;      // highest seq any run reported durable
  std::set<std::uint64_t> acked;  // seqs some run was about to ack
};

void Absorb(const std::vector<std::string>& lines, Ledger& ledger, std::uint64_t& start) {
  for (const auto& line : lines) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    std::uint64_t v = 0;
    if (tag == "START") {
      in >> start;
    } else if (tag == "D") {
      in >> v;
      CHECK(v >= ledger.durable);
      ledger.durable = std::max(ledger.durable, v);
    } else if (tag == "A") {
      while (in >> v) ledger.acked.insert(v);
    }
  }
}

void VerifyContents(const std::string& db, const Ledger& ledger) {
  v1::JournalConfig config = config::WithDefaults(v1::JournalConfig());
  config.set_path(db);
  auto journal = Open(config, clock::Default());
  REQUIRE(journal.has_value());
  auto rows = (*journal)->ReadRange(0, UINT64_MAX, 10'000'000);
  REQUIRE(rows.has_value());
  std::set<std::uint64_t> present;
  std::set<double> ids;
  for (const auto& row : *rows) {
    const v1::Event event = Parse(row);
    REQUIRE(event.seq() == row.seq);
    REQUIRE(ids.insert(event.reading().value()).second);  // no event stored twice
    present.insert(row.seq);
  }
  std::uint64_t missing = 0;
  for (std::uint64_t seq = 1; seq <= ledger.durable; ++seq) {
    if (!present.contains(seq) && !ledger.acked.contains(seq)) ++missing;
  }
  CHECK(missing == 0);
  (*journal)->Close();
}

TEST_CASE("SIGKILL at random moments never loses a durable event nor corrupts the file") {
  TempDir dir;
  const std::string db = dir.File("journal.db");
  std::mt19937 rng(20240601);
  Ledger ledger;
  for (int run = 1; run <= kKills; ++run) {
    Child child = Spawn(db, run);
    std::string partial;
    const int wanted = 1 + static_cast<int>(rng() % 25);
    const auto lines = ReadLines(child.out, wanted, partial);
    // Land the kill at an arbitrary point of the next commit, not at a line.
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    auto rest = ReadLines(child.out, 1 << 20, partial);
    ::close(child.out);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(!lines.empty());
    std::uint64_t start = 0;
    const std::uint64_t durable_before = ledger.durable;
    Absorb(lines, ledger, start);
    Absorb(rest, ledger, start);
    CHECK(start >= durable_before);  // the high-water mark never goes back
    auto integrity = IntegrityCheck(db);
    REQUIRE(integrity.has_value());
    REQUIRE(*integrity == "ok");
    if (run % 3 == 0 || run == kKills) VerifyContents(db, ledger);
  }
  CHECK(ListQuarantined(db).empty());
  CHECK(ledger.durable > 1000);
}

}  // namespace
}  // namespace cityedge::journal
