// SPDX-License-Identifier: Apache-2.0
#include "daemon/app/daemon.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/app/components.hpp"
#include "daemon/app/control_backend.hpp"
#include "daemon/app/exit_codes.hpp"
#include "daemon/app/notify.hpp"
#include "daemon/control/authorizer.hpp"
#include "daemon/control/dispatcher.hpp"
#include "daemon/control/downlink.hpp"
#include "daemon/control/signature.hpp"
#include "daemon/control/socket_server.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/component_stack.hpp"
#include "daemon/core/steady_clock.hpp"
#include "daemon/health/clock_keeper.hpp"
#include "daemon/health/collector.hpp"
#include "daemon/health/health_reporter.hpp"
#include "daemon/health/metrics_server.hpp"
#include "daemon/health/prometheus.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/journal/seen_ids.hpp"
#include "daemon/uplink/uplink.hpp"
#include "daemon/vision/supervisor.hpp"
#include "pipelines/sample_tap.hpp"

namespace cityedge::app {
namespace {

constexpr auto kUplinkStopTimeout = std::chrono::seconds(3);
constexpr std::int64_t kJournalFlushTimeoutMs = 5000;

// What may leave the box, for the birth message: never raw video; snapshots
// only on request and pixelated; evidence thumbnails only where enabled.
std::string EgressPolicy(const v1::Config& config) {
  auto enabled_anywhere = [&config](const char* setting) {
    for (const auto& p : config.pipelines()) {
      const auto it = p.settings().find(setting);
      if (p.enabled() && it != p.settings().end() && it->second.bool_value()) return true;
    }
    return false;
  };
  std::string policy = "metadata-only; snapshots on request, pixelated (faces, people)";
  if (enabled_anywhere("evidence_thumbnails")) policy += "; evidence thumbnails on box, pixelated";
  if (enabled_anywhere("evidence_image")) policy += "; fever alerts carry a pixelated image";
  return policy;
}

// The parts of the birth message only the daemon knows.
v1::GatewayState BirthInfo(const config::Loaded& loaded) {
  v1::GatewayState state;
  state.set_software_version(kVersion);
  state.set_config_hash(loaded.hash);
  state.set_egress_policy(EgressPolicy(loaded.config));
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

// What the service watchdog checks before each WATCHDOG=1: a blind timer
// would keep a daemon whose journal, uplink or pipelines hang alive for ever.
struct Progress {
  journal::Journal& journal;
  uplink::Uplink& uplink;
  const pipelines::SampleTap& tap;
};

constexpr auto kPipelineTickLate = std::chrono::seconds(10);
constexpr std::int64_t kJournalProgressMs = 10'000;

// Empty when every part shows progress; else what is stuck.
std::string Stuck(const Progress& p) {
  const std::int64_t now = clock::SteadyNs();
  if (auto tick = p.tap.LastTickSteadyNs();
      tick && now - *tick > std::chrono::nanoseconds(kPipelineTickLate).count()) {
    return fmt::format("pipelines have not ticked for {} s", (now - *tick) / 1'000'000'000);
  }
  const std::int64_t deadline = p.uplink.GetStats().progress_deadline_steady_ns;
  if (deadline != 0 && now > deadline) {
    return fmt::format("uplink worker is {} s past its deadline", (now - deadline) / 1'000'000'000);
  }
  if (auto flushed = p.journal.Flush(kJournalProgressMs); !flushed) {
    return fmt::format("journal writer: {}", flushed.error().message());
  }
  return {};
}

// Waits for SIGTERM/SIGINT. With a systemd watchdog, wakes at half its period
// and pings only while every part shows progress.
int WaitForStopSignal(const sigset_t& set, const Progress& progress) {
  const auto period = WatchdogPeriod();
  std::string withheld;
  while (true) {
    int signo = 0;
    if (!period) {
      if (sigwait(&set, &signo) == 0) return signo;
      continue;
    }
    const auto half = *period / 2;
    timespec timeout{static_cast<time_t>(half.count() / 1'000'000),
                     static_cast<long>(half.count() % 1'000'000) * 1000};
    signo = sigtimedwait(&set, nullptr, &timeout);
    if (signo > 0) return signo;
    const std::string stuck = Stuck(progress);
    if (stuck.empty()) {
      if (!withheld.empty()) spdlog::info("watchdog: progress again, pinging");
      NotifyWatchdog();
    } else if (stuck != withheld) {
      spdlog::error("watchdog: not pinging, {}; systemd will restart the daemon", stuck);
      NotifyStatus("stuck: " + stuck);
    }
    withheld = stuck;
  }
}

Result<std::string> ReadConfigText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return MakeError(Code::kUnavailable, "cannot read {}", path);
  return text.str();
}

// The control socket and the MQTT downlink, or why they could not start.
struct ControlPlane {
  std::unique_ptr<control::Dispatcher> dispatcher;
  std::unique_ptr<journal::SeenIds> seen;
  std::unique_ptr<control::Authorizer> authorizer;
  std::unique_ptr<control::Downlink> downlink;
  std::unique_ptr<control::ControlServer> server;
};

Result<ControlPlane> StartControl(const v1::Config& config, const std::string& state_dir,
                                  ControlBackend& backend, uplink::Uplink& uplink,
                                  const clock::Clock& clock) {
  ControlPlane plane;
  plane.dispatcher = std::make_unique<control::Dispatcher>(backend);
  const v1::ControlConfig& c = config.control();
  auto keys = control::PlatformKeys::Load(c.platform_keys());
  if (!keys) return std::unexpected(keys.error());
  auto seen = journal::SeenIds::Open((std::filesystem::path(state_dir) / "commands.db").string());
  if (!seen) return std::unexpected(seen.error());
  plane.seen = std::move(*seen);
  control::AuthorizerOptions options;
  options.gateway_id = config.gateway().id();
  options.max_command_bytes = c.max_command_bytes();
  options.rate_limit_per_min = c.rate_limit_per_min();
  options.trust_unsynced_clock = c.trust_unsynced_clock();
  plane.authorizer =
      std::make_unique<control::Authorizer>(options, std::move(*keys), clock, *plane.seen);
  plane.downlink = std::make_unique<control::Downlink>(
      *plane.authorizer, *plane.dispatcher,
      [&uplink](const uplink::InboundCommand& command, std::string reply) {
        return uplink.PublishReply(command, std::move(reply));
      });
  uplink.SetCommandHandler([d = plane.downlink.get()](uplink::InboundCommand command) {
    d->Enqueue(std::move(command));
  });
  // max_command_bytes is validated to at most 16 MiB, so it fits a 32-bit size_t.
  auto server = control::ControlServer::Start({c.socket_path(), c.group(), c.admin_group(),
                                               static_cast<std::size_t>(c.max_command_bytes()), 8},
                                              *plane.dispatcher, backend);
  if (server) {
    plane.server = std::move(*server);
  } else {
    // Collecting events matters more than the technician's socket: run on
    // without it, and say so where the technician will look.
    spdlog::error("control socket unavailable, cityedge CLI will not work: {}", server.error());
  }
  return plane;
}

health::Sources HealthSources(journal::Journal& journal, uplink::Uplink& uplink,
                              host::DriverHost& drivers, const pipelines::SampleTap& tap,
                              const vision::Supervisor& vision) {
  health::Sources sources;
  sources.journal = [&journal] { return journal.GetStats(); };
  sources.uplink = [&uplink] { return uplink.GetStats(); };
  sources.drivers = [&drivers, &vision] { return AllDrivers(drivers, vision); };
  sources.pipelines = [&tap, &vision] { return AllPipelines(tap, vision); };
  sources.vision_workers = [&vision] { return vision.Workers(); };
  return sources;
}

vision::SupervisorOptions VisionOptions(const vision::Plan& plan) {
  vision::SupervisorOptions options;
  options.worker_path = vision::FindWorkerExecutable();
  if (options.worker_path.empty() && !plan.workers.empty()) {
    spdlog::error(
        "the config has cameras or thermal scanners ({}), which run in the vision worker, but "
        "cityedge-vision is not installed; install the cityedge-vision package. The other "
        "drivers run; those report offline",
        fmt::join(plan.workers.front().drivers, ", "));
  }
  return options;
}

// Metrics on health.metrics_listen, when set. A port that cannot be bound is
// reported and the daemon runs on: collecting events matters more.
Result<std::unique_ptr<health::MetricsServer>> StartMetrics(const v1::HealthConfig& config,
                                                            const health::Collector& collector) {
  if (config.metrics_listen().empty()) return std::unique_ptr<health::MetricsServer>();
  auto server = health::MetricsServer::Start(
      config.metrics_listen(), [&collector] { return health::RenderMetrics(collector.Collect()); });
  if (server) {
    spdlog::info("metrics on http://{}/metrics", config.metrics_listen());
    return server;
  }
  if (server.error().code() == Code::kInvalidArgument) return std::unexpected(server.error());
  spdlog::error("metrics unavailable, `cityedge metrics` still works: {}", server.error());
  return std::unique_ptr<health::MetricsServer>();
}

}  // namespace

int RunDaemon(const std::string& config_path, const config::Loaded& loaded, Registry& registry) {
  const v1::Config& config = loaded.config;
  // Blocked before any thread starts, so every thread inherits the mask and
  // only sigwait below receives the stop signals.
  const sigset_t stop_signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const clock::Clock& clock = clock::Default();
  spdlog::info("cityedged {} starting: gateway {}, config hash {}", kVersion, config.gateway().id(),
               loaded.hash.substr(0, 12));
  auto yaml = ReadConfigText(config_path);
  if (!yaml) {
    spdlog::error("{}", yaml.error());
    return kExitConfig;
  }

  // The birth message shows the config running now, which config apply
  // changes; read through the backend once it exists.
  const ControlBackend* backend_ptr = nullptr;
  // Everything below is stopped and destroyed in reverse order of its start
  // on every way out, the error returns included.
  ComponentStack stack;
  auto opened = journal::Open(config.journal(), clock);
  if (!opened) {
    spdlog::error("journal {}: {}", config.journal().path(), opened.error());
    return kExitFailure;
  }
  journal::Journal& journal = stack.Own("journal", std::move(*opened));
  // The uplink keeps its session seq, and the control plane the ids of
  // commands it ran, beside the journal.
  std::string state_dir = std::filesystem::path(config.journal().path()).parent_path().string();
  if (state_dir.empty()) state_dir = ".";
  auto& clock_keeper = stack.Own(
      "clock keeper",
      std::make_unique<health::ClockKeeper>(
          health::ClockKeeperOptions{(std::filesystem::path(state_dir) / "clock_floor").string(),
                                     config.gateway().id()},
          journal, clock),
      [](health::ClockKeeper& keeper) { keeper.Stop(); });
  clock_keeper.Start();
  auto created = uplink::Uplink::Create(config, journal, clock, state_dir, [&] {
    return BirthInfo(backend_ptr != nullptr ? backend_ptr->Current() : loaded);
  });
  if (!created) {
    spdlog::error("uplink: {}", created.error());
    return kExitConfig;
  }
  uplink::Uplink& uplink = stack.Own("uplink", std::move(*created));
  uplink.SetTimeFloor([&clock_keeper] { return clock_keeper.floor_ns(); });
  auto& tap = stack.Own("sample tap", std::make_unique<pipelines::SampleTap>());
  auto& drivers = stack.Own("driver host",
                            std::make_unique<host::DriverHost>(registry.drivers(), journal, clock));
  drivers.AddSampleListener(&tap);
  drivers.AddFrameListener(&tap);
  auto& vision = stack.Own(
      "vision supervisor",
      std::make_unique<vision::Supervisor>(journal, clock, VisionOptions(registry.Split(config))));
  const auto& collector = stack.Own(
      "health collector", std::make_unique<health::Collector>(
                              health::CollectorOptions{config.gateway().id(), kVersion, state_dir},
                              HealthSources(journal, uplink, drivers, tap, vision), clock));
  auto& components = stack.Own(
      "components", std::make_unique<Components>(registry, journal, clock, tap, drivers, vision));
  auto& backend = stack.Own(
      "control backend",
      std::make_unique<ControlBackend>(config_path, std::move(*yaml), loaded, registry, components,
                                       journal, uplink, drivers, tap, vision, clock, collector));
  backend.SetTimeFloor([&clock_keeper] { return clock_keeper.floor_ns(); });
  backend_ptr = &backend;

  auto plane = StartControl(config, state_dir, backend, uplink, clock);
  if (!plane) {
    spdlog::error("control: {}", plane.error());
    return plane.error().code() == Code::kInvalidArgument ? kExitConfig : kExitFailure;
  }
  stack.Own("control plane", std::make_unique<ControlPlane>(std::move(*plane)),
            [&uplink](ControlPlane& control) {
              uplink.SetCommandHandler(nullptr);
              if (control.server) control.server->Stop();
              control.downlink->Stop();
            });
  Status up = stack.Start(
      "uplink session", [&uplink] { return uplink.Start(); },
      [&journal, &uplink] {
        // What the stopped producers emitted last is committed first, so the
        // uplink's last window can still carry it.
        if (auto s = journal.Flush(kJournalFlushTimeoutMs); !s) {
          spdlog::warn("journal flush at stop: {}", s.error());
        }
        uplink.Stop(kUplinkStopTimeout);
      });
  if (!up) {
    spdlog::error("uplink: {}", up.error());
    return kExitFailure;
  }
  if (const char* stall = std::getenv("CITYEDGE_STALL_PIPELINE_FOR_TEST")) {
    components.StallPipelineForTest(stall);
  }
  StartFailure failure = StartFailure::kNone;
  Status running = stack.Start(
      "components", [&] { return components.Start(config, &failure); },
      [&components] { components.Close(); });
  if (!running) {
    if (failure == StartFailure::kPipelines) {
      spdlog::error("{}", running.error());
      return kExitConfig;
    }
    spdlog::error("drivers: {}", running.error());
    return kExitFailure;
  }
  auto& reporter = stack.Own(
      "health reporter",
      std::make_unique<health::HealthReporter>(
          collector, journal, clock,
          std::chrono::milliseconds(std::max<std::uint64_t>(1000, config.health().interval_ms())),
          &clock_keeper),
      [](health::HealthReporter& r) { r.Stop(); });
  reporter.Start();
  auto metrics = StartMetrics(config.health(), collector);
  if (!metrics) {
    spdlog::error("{}", metrics.error());
    return kExitConfig;
  }
  if (*metrics) {
    stack.Own("metrics server", std::move(*metrics), [](health::MetricsServer& m) { m.Stop(); });
  }
  const std::string ready =
      fmt::format("running: {} drivers, {} pipelines, journal seq {}", config.drivers_size(),
                  config.pipelines_size(), journal.DurableSeq());
  NotifyReady(ready);
  spdlog::info("{}; control socket {}", ready, config.control().socket_path());

  const int signo = WaitForStopSignal(stop_signals, Progress{journal, uplink, tap});
  spdlog::info("received {}, stopping", signo == SIGINT ? "SIGINT" : "SIGTERM");
  NotifyStopping();
  stack.Stop();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace cityedge::app
