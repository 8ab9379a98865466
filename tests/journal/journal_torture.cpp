// SPDX-License-Identifier: Apache-2.0
// Torture program for the kill -9 test. Appends and acks against a journal
// with durability "full" forever, reporting on stdout, one line per fact:
//   START <durable_seq>        the journal opened
//   D <durable_seq>            every event emitted so far is committed
//   A <seq> <seq> ...          about to ack these seqs (they may vanish)
// Each line is written with one write(2), so a kill never interleaves lines;
// a partial last line has no newline and is ignored by the reader.
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>

#include "daemon/config/defaults.hpp"
#include "daemon/journal/journal.hpp"

namespace {

void Say(const std::string& line) {
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) std::_Exit(3);
    done += static_cast<std::size_t>(n);
  }
}

cityedge::v1::Event MakeEvent(std::uint64_t id, std::mt19937& rng) {
  cityedge::v1::Event event;
  event.set_source("torture");
  static constexpr cityedge::v1::PriorityClass kClasses[] = {cityedge::v1::PRIORITY_CLASS_TELEMETRY,
                                                             cityedge::v1::PRIORITY_CLASS_DETECTION,
                                                             cityedge::v1::PRIORITY_CLASS_ALARM};
  event.set_priority(kClasses[rng() % 3]);
  event.mutable_capture_time()->set_wall_unix_ns(static_cast<std::int64_t>(id));
  event.mutable_reading()->set_channel("id");
  event.mutable_reading()->set_value(static_cast<double>(id));
  event.mutable_reading()->set_unit(std::string(rng() % 200, 'p'));
  return event;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  cityedge::v1::JournalConfig config =
      cityedge::config::WithDefaults(cityedge::v1::JournalConfig());
  config.set_path(argv[1]);
  config.set_durability("full");
  config.set_commit_max_events(32);
  config.set_commit_interval_ms(1);
  const std::uint64_t run = std::strtoull(argv[2], nullptr, 10);
  auto journal = cityedge::journal::Open(config, cityedge::clock::Default());
  if (!journal) return 1;
  Say("START " + std::to_string((*journal)->DurableSeq()));
  std::mt19937 rng(static_cast<unsigned>(run));
  std::uint64_t next_id = run * 1'000'000;
  for (;;) {
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      if (!(*journal)->Emit(MakeEvent(next_id++, rng))) return 1;
    }
    if (!(*journal)->Flush(60'000)) return 1;
    Say("D " + std::to_string((*journal)->DurableSeq()));
    if (rng() % 2 == 0) continue;
    cityedge::journal::LeaseRequest request;
    request.max_events = 1 + rng() % 30;
    auto lease = (*journal)->Take(request);
    if (!lease) return 1;
    if (!lease->has_value()) continue;
    std::string line = "A";
    for (const auto& e : (*lease)->events) line += " " + std::to_string(e.seq);
    Say(line);
    if (!(*journal)->Ack((**lease).id)) return 1;
  }
}
