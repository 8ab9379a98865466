// SPDX-License-Identifier: Apache-2.0
// A minimal journal + uplink process for crash tests: opens the SQLite
// journal, starts the uplink, emits --count events, waits until the journal
// has nothing queued, and runs until SIGTERM (clean stop) or SIGKILL.
// Prints "STARTED durable=N", "EMITTED durable=N", "DRAINED durable=N".
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "daemon/config/defaults.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/uplink.hpp"
#include "tests/integration/uplink/uplink_it_common.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cityedge;
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  v1::JournalConfig journal_config = config::WithDefaults(v1::JournalConfig());
  journal_config.set_path(Arg(argc, argv, "--journal", "journal.db"));
  journal_config.set_durability("normal");
  auto journal = journal::Open(journal_config, clock::Default());
  if (!journal) {
    std::fprintf(stderr, "journal: %s\n", journal.error().ToString().c_str());
    return 1;
  }
  const v1::Config config = uplink::it::UplinkConfig({Arg(argc, argv, "--broker", "")});
  auto up = uplink::Uplink::Create(config, **journal, clock::Default(),
                                   Arg(argc, argv, "--state-dir", "."), nullptr);
  if (!up || !(*up)->Start()) {
    std::fprintf(stderr, "uplink failed to start\n");
    return 1;
  }
  std::printf("STARTED durable=%llu\n", static_cast<unsigned long long>((*journal)->DurableSeq()));
  std::fflush(stdout);
  const int count = std::atoi(Arg(argc, argv, "--count", "1000").c_str());
  for (int i = 0; i < count && !g_stop; ++i) {
    (void)(*journal)->Emit(uplink::it::MakeEvent(v1::PRIORITY_CLASS_TELEMETRY, i));
    if (i % 2 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  (void)(*journal)->Flush(10000);
  std::printf("EMITTED durable=%llu\n", static_cast<unsigned long long>((*journal)->DurableSeq()));
  std::fflush(stdout);
  for (int i = 0; i < 6000 && !g_stop && (*journal)->GetStats().queued_rows > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf("DRAINED durable=%llu\n", static_cast<unsigned long long>((*journal)->DurableSeq()));
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  (*up)->Stop(std::chrono::seconds(2));
  (*journal)->Close();
  return 0;
}
