#include "daemon/app/daemon.hpp"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/app/exit_codes.hpp"
#include "daemon/app/notify.hpp"
#include "daemon/app/pipeline_router.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/uplink/uplink.hpp"

namespace cityedge::app {
namespace {

constexpr auto kUplinkStopTimeout = std::chrono::seconds(3);
constexpr std::int64_t kJournalFlushTimeoutMs = 5000;

// The parts of the birth message only the daemon knows.
v1::GatewayState BirthInfo(const config::Loaded& loaded) {
  v1::GatewayState state;
  state.set_software_version(kVersion);
  state.set_config_hash(loaded.hash);
  state.set_egress_policy("metadata-only");
  for (const auto& d : loaded.config.drivers()) {
    if (!d.enabled()) continue;
    auto* c = state.add_drivers();
    c->set_id(d.id());
    c->set_type(d.type());
  }
  for (const auto& p : loaded.config.pipelines()) {
    if (!p.enabled()) continue;
    auto* c = state.add_pipelines();
    c->set_id(p.id());
    c->set_type(p.type());
  }
  state.add_capabilities("journal");
  state.add_capabilities("gap-records");
  state.add_capabilities("historical-drain");
  return state;
}

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

int WaitForStopSignal(const sigset_t& set) {
  int signo = 0;
  while (sigwait(&set, &signo) != 0) {
  }
  return signo;
}

}  // namespace

int RunDaemon(const config::Loaded& loaded, Registry& registry) {
  const v1::Config& config = loaded.config;
  // Blocked before any thread starts, so every thread inherits the mask and
  // only sigwait below receives the stop signals.
  const sigset_t stop_signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const clock::Clock& clock = clock::Default();
  spdlog::info("cityedged {} starting: gateway {}, config hash {}", kVersion, config.gateway().id(),
               loaded.hash.substr(0, 12));

  auto journal = journal::Open(config.journal(), clock);
  if (!journal) {
    spdlog::error("journal {}: {}", config.journal().path(), journal.error());
    return kExitFailure;
  }
  // The uplink keeps its session seq beside the journal.
  std::string state_dir = std::filesystem::path(config.journal().path()).parent_path().string();
  if (state_dir.empty()) state_dir = ".";
  auto uplink = uplink::Uplink::Create(config, **journal, clock, state_dir,
                                       [&loaded] { return BirthInfo(loaded); });
  if (!uplink) {
    spdlog::error("uplink: {}", uplink.error());
    return kExitConfig;
  }
  auto router = PipelineRouter::Create(config, **journal, clock);
  if (!router) {
    spdlog::error("{}", router.error());
    return kExitConfig;
  }
  host::DriverHost drivers(registry.drivers(), **journal, clock);
  drivers.AddSampleListener(router->get());
  drivers.AddFrameListener(router->get());
  if (auto s = (*uplink)->Start(); !s) {
    spdlog::error("uplink: {}", s.error());
    return kExitFailure;
  }
  (*router)->Start();
  if (auto s = drivers.Start(config); !s) {
    spdlog::error("drivers: {}", s.error());
    (*router)->Stop();
    (*uplink)->Stop(kUplinkStopTimeout);
    return kExitFailure;
  }
  const std::string ready =
      fmt::format("running: {} drivers, {} pipelines, journal seq {}", config.drivers_size(),
                  config.pipelines_size(), (*journal)->DurableSeq());
  NotifyReady(ready);
  spdlog::info("{}", ready);

  const int signo = WaitForStopSignal(stop_signals);
  spdlog::info("received {}, stopping", signo == SIGINT ? "SIGINT" : "SIGTERM");
  NotifyStopping();
  drivers.StopAll();
  (*router)->Stop();
  if (auto s = (*journal)->Flush(kJournalFlushTimeoutMs); !s) {
    spdlog::warn("journal flush at stop: {}", s.error());
  }
  (*uplink)->Stop(kUplinkStopTimeout);
  (*journal)->Close();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace cityedge::app
