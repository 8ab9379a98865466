// SPDX-License-Identifier: Apache-2.0
#include "daemon/app/control_backend.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <optional>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "daemon/app/exit_codes.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/health/prometheus.hpp"

namespace cityedge::app {
namespace {

constexpr std::int64_t kReadTimeoutMs = 3000;

std::string Utc(std::int64_t wall_ns) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     fmt::gmtime(static_cast<std::time_t>(wall_ns / 1'000'000'000)));
}

std::string Age(std::int64_t ms) {
  if (ms < 120'000) return fmt::format("{} s", ms / 1000);
  if (ms < 7'200'000) return fmt::format("{} min", ms / 60'000);
  return fmt::format("{:.1f} h", static_cast<double>(ms) / 3.6e6);
}

}  // namespace

// --- ControlBackend ------------------------------------------------------------

ControlBackend::ControlBackend(std::string config_path, std::string config_yaml,
                               config::Loaded loaded, const Registry& registry,
                               Components& components, journal::Journal& journal,
                               uplink::Uplink& uplink, host::DriverHost& drivers, SampleTap& tap,
                               vision::Supervisor& vision, const clock::Clock& clock,
                               const health::Collector& health)
    : components_(components),
      journal_(journal),
      uplink_(uplink),
      drivers_(drivers),
      tap_(tap),
      vision_(vision),
      clock_(clock),
      health_(health),
      started_mono_ns_(clock.MonotonicNs()),
      applier_(std::move(config_path), std::move(config_yaml), std::move(loaded), registry,
               components),
      replayer_(journal, uplink) {}

config::Loaded ControlBackend::Current() const { return applier_.Current(); }

control::Fields ControlBackend::StatusFields() {
  const config::Loaded current = Current();
  const uplink::UplinkStats up = uplink_.GetStats();
  const journal::Stats js = journal_.GetStats();
  const auto statuses = Drivers();
  const auto online = std::count_if(statuses.begin(), statuses.end(), [](const auto& s) {
    return s.state == v1::COMPONENT_STATE_ONLINE;
  });
  const clock::SyncInfo sync = clock_.Sync();
  const std::int64_t wall_ns = clock_.WallNs();
  const std::optional<std::int64_t> floor = time_floor_ ? time_floor_() : std::nullopt;
  control::Fields f = {
      {"gateway", current.config.gateway().id()},
      {"site", current.config.gateway().site()},
      {"version", kVersion},
      {"uptime", Age((clock_.MonotonicNs() - started_mono_ns_) / 1'000'000)},
      {"config_hash", current.hash},
      {"clock", v1::ClockState_Name(sync.state)},
      // A lab box may run without NTP on purpose; `cityedge doctor` says so
      // instead of calling for a person.
      {"clock_unsynced_trusted", current.config.control().trust_unsynced_clock() ? "yes" : "no"},
      // A wall clock below the last known good time is wrong whatever the
      // kernel says about synchronisation; `cityedge doctor` names it.
      {"clock_wall", Utc(wall_ns)},
      {"clock_floor", floor ? Utc(*floor) : "-"},
      {"clock_below_floor", floor && wall_ns < *floor ? "yes" : "no"},
      {"uplink", up.connected ? fmt::format("connected to {}", up.broker)
                              : fmt::format("disconnected{}",
                                            up.last_error.empty() ? "" : ": " + up.last_error)},
      {"session_seq", std::to_string(up.session_seq)},
      // Also while connected: a broker that refuses publishes (ACL) keeps the
      // session up, and `cityedge doctor` names the refusal from this.
      {"uplink_last_error", up.last_error.empty() ? "-" : up.last_error},
      {"journal_seq", std::to_string(js.durable_seq)},
      {"backlog_rows", std::to_string(js.queued_rows)},
      {"journal", js.degraded ? "degraded: " + js.degraded_reason : "ok"},
      {"drivers", fmt::format("{} of {} online", online, statuses.size())},
      {"pipelines", std::to_string(Pipelines().size())},
  };
  for (const vision::WorkerStatus& w : vision_.Workers()) {
    f.emplace_back(
        "vision." + w.name,
        w.running
            ? fmt::format("pid {}, rss {} MiB, restarts {}, landlock ABI {}, seccomp {}", w.pid,
                          w.rss_bytes >> 20, w.restarts, w.landlock_abi, w.seccomp ? "on" : "off")
            : fmt::format("down ({}), restarts {}", w.last_exit.empty() ? "starting" : w.last_exit,
                          w.restarts));
  }
  return f;
}

std::vector<DriverInstanceStatus> AllDrivers(const host::DriverHost& drivers,
                                             const vision::Supervisor& vision) {
  auto statuses = drivers.Statuses();
  auto more = vision.Drivers();
  statuses.insert(statuses.end(), more.begin(), more.end());
  return statuses;
}

std::vector<PipelineInstanceStatus> AllPipelines(const SampleTap& tap,
                                                 const vision::Supervisor& vision) {
  auto statuses = tap.Pipelines();
  auto more = vision.Pipelines();
  statuses.insert(statuses.end(), more.begin(), more.end());
  return statuses;
}

std::vector<DriverInstanceStatus> ControlBackend::Drivers() {
  return AllDrivers(drivers_, vision_);
}

std::vector<PipelineInstanceStatus> ControlBackend::Pipelines() {
  return AllPipelines(tap_, vision_);
}

control::Fields ControlBackend::Backlog() {
  const journal::Stats s = journal_.GetStats();
  const uplink::UplinkStats up = uplink_.GetStats();
  control::Fields f = {
      {"queued_rows", std::to_string(s.queued_rows)},
      {"queued_bytes", std::to_string(s.queued_bytes)},
      {"oldest_queued", s.oldest_queued_age_ms > 0 ? Age(s.oldest_queued_age_ms) : "-"},
  };
  for (int c = v1::PRIORITY_CLASS_ALARM; c >= v1::PRIORITY_CLASS_TELEMETRY; --c) {
    f.emplace_back(fmt::format("rows.{}", PriorityTopicClass(static_cast<v1::PriorityClass>(c))),
                   std::to_string(s.by_class[c].rows));
  }
  f.emplace_back("history_rows", std::to_string(s.history_rows));
  f.emplace_back("dead_letter_rows", std::to_string(s.dead_letter_rows));
  std::uint64_t evicted = 0;
  for (auto n : s.evicted) evicted += n;
  f.emplace_back("evicted_total", std::to_string(evicted));
  f.emplace_back("wal_bytes", std::to_string(s.wal_bytes));
  // Where the journal's disk headroom ends: `cityedge doctor` measures to it.
  const v1::JournalConfig journal = Current().config.journal();
  std::error_code ec;
  const auto path = std::filesystem::absolute(journal.path(), ec);
  f.emplace_back("journal_path", ec ? journal.path() : path.string());
  f.emplace_back("min_free_disk", std::to_string(journal.min_free_disk()));
  f.emplace_back("durable_seq", std::to_string(s.durable_seq));
  f.emplace_back("events_acked", std::to_string(up.events_acked));
  f.emplace_back("publish_p99_ms", fmt::format("{:.1f}", up.publish_latency_p99_ms));
  // The replay in progress (or the last one), for the CLI's progress display.
  const uplink::ReplayProgress replay = replayer_.Progress();
  f.emplace_back("replay_running", replay.running ? "yes" : "no");
  f.emplace_back("replay_sent", std::to_string(replay.sent));
  f.emplace_back("replay_total", std::to_string(replay.total));
  return f;
}

Result<std::vector<v1::Event>> ControlBackend::EventsFrom(std::uint64_t first_seq,
                                                          std::size_t max_events) {
  auto rows = journal_.ReadRange(first_seq, UINT64_MAX, max_events);
  if (!rows) return std::unexpected(rows.error());
  std::vector<v1::Event> events;
  events.reserve(rows->size());
  for (const auto& row : *rows) {
    v1::Event e;
    if (e.ParseFromString(row.payload)) events.push_back(std::move(e));
  }
  return events;
}

std::uint64_t ControlBackend::DurableSeq() { return journal_.DurableSeq(); }

Result<std::vector<v1::Event>> ControlBackend::ReadNow(const std::string& instance) {
  if (vision_.RunsDriver(instance)) return vision_.ReadNow(instance);
  tap_.Expect(instance);
  if (auto s = drivers_.ReadNow(instance); !s) {
    (void)tap_.Collect(instance, 0);
    return std::unexpected(s.error());
  }
  auto events = tap_.Collect(instance, kReadTimeoutMs);
  if (events.empty()) {
    return MakeError(Code::kDeadlineExceeded,
                     "driver {} gave no reading within {} s; `cityedge drivers` shows its state",
                     instance, kReadTimeoutMs / 1000);
  }
  return events;
}

Result<std::string> ControlBackend::Snapshot(const std::string& instance, std::uint32_t max_width) {
  if (vision_.RunsDriver(instance)) return vision_.Snapshot(instance, max_width);
  return MakeError(Code::kNotFound,
                   "{} gives no frames: snapshots come from camera and thermal drivers, which run "
                   "in vision workers (`cityedge drivers` lists them)",
                   instance);
}

Result<std::string> ControlBackend::CheckConfig(const std::string& yaml) {
  auto loaded = applier_.Validate(yaml);
  if (!loaded) return std::unexpected(loaded.error());
  return loaded->hash;
}

std::pair<std::string, std::string> ControlBackend::CurrentConfig() {
  return applier_.CurrentText();
}

Result<std::string> ControlBackend::ApplyConfig(const std::string& yaml,
                                                const std::string& expected_hash) {
  std::lock_guard apply_lock(apply_mu_);
  const std::string before = applier_.Current().hash;
  auto applied = applier_.Apply(yaml, expected_hash);
  // The platform hears the new hash in a fresh birth message.
  if (applied && *applied != before) uplink_.RequestRebirth();
  return applied;
}

Result<control::ReplayPlan> ControlBackend::Replay(const v1::ReplayRequest& request) {
  return replayer_.Start(request);
}

Status ControlBackend::Rebirth() {
  uplink_.RequestRebirth();
  return OkStatus();
}

Status ControlBackend::RestartDriver(const std::string& instance) {
  std::lock_guard lock(apply_mu_);
  return components_.RestartDriver(instance);
}

Result<std::string> ControlBackend::MetricsText() {
  return health::RenderMetrics(health_.Collect());
}

std::vector<v1::ValueSeries> ControlBackend::RecentValues(std::uint32_t seconds) {
  std::vector<v1::ValueSeries> out;
  for (auto& recent : tap_.Recent(static_cast<int>(std::min<std::uint32_t>(seconds, 3600)))) {
    v1::ValueSeries& series = out.emplace_back();
    series.set_instance(std::move(recent.instance));
    series.set_channel(std::move(recent.channel));
    series.set_unit(std::move(recent.unit));
    series.mutable_values()->Add(recent.values.begin(), recent.values.end());
  }
  return out;
}

}  // namespace cityedge::app
