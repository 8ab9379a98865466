// SPDX-License-Identifier: Apache-2.0
#include "daemon/health/collector.hpp"

#include <algorithm>

namespace cityedge::health {
namespace {

void AddPipelines(const Snapshot& now, const Snapshot* previous, double interval_s,
                  v1::GatewayHealth* health) {
  for (const auto& p : now.pipelines) {
    auto* out = health->add_pipelines();
    out->set_id(p.id);
    out->set_type(p.type);
    out->set_samples_total(p.samples);
    out->set_frames_total(p.frames);
    out->set_frames_dropped_total(p.frames_dropped);
    if (previous == nullptr || interval_s <= 0) continue;
    auto before = std::find_if(previous->pipelines.begin(), previous->pipelines.end(),
                               [&](const PipelineInstanceStatus& q) { return q.id == p.id; });
    // A config apply restarts the counters; a smaller count is a new instance.
    if (before == previous->pipelines.end() || before->frames > p.frames) continue;
    out->set_frames_per_s(static_cast<double>(p.frames - before->frames) / interval_s);
  }
}

void AddDrivers(const Snapshot& now, v1::GatewayHealth* health) {
  for (const auto& d : now.drivers) {
    auto* out = health->add_components();
    out->set_instance(d.id);
    out->set_type(d.type);
    out->set_state(d.state);
    out->set_reason(d.reason);
    out->set_restarts(d.restarts);
  }
}

}  // namespace

Collector::Collector(CollectorOptions options, Sources sources, const clock::Clock& clock)
    : options_(std::move(options)),
      sources_(std::move(sources)),
      clock_(clock),
      started_mono_ns_(clock.MonotonicNs()) {}

Snapshot Collector::Collect() const {
  Snapshot s;
  s.gateway_id = options_.gateway_id;
  s.version = options_.version;
  s.uptime_s = (clock_.MonotonicNs() - started_mono_ns_) / 1'000'000'000;
  s.cpu_seconds = ReadCpuSeconds(options_.proc_self);
  s.rss_bytes = ReadRssBytes(options_.proc_self);
  s.disk_free_bytes = DiskFreeBytes(options_.state_dir);
  if (sources_.journal) s.journal = sources_.journal();
  if (sources_.uplink) s.uplink = sources_.uplink();
  if (sources_.drivers) s.drivers = sources_.drivers();
  if (sources_.pipelines) s.pipelines = sources_.pipelines();
  if (sources_.vision_workers) s.vision_workers = sources_.vision_workers();
  s.clock = clock_.Sync();
  s.storage_wear = ReadStorageWear(options_.sysfs_class);
  return s;
}

v1::GatewayHealth MakeGatewayHealth(const Snapshot& now, const Snapshot* previous,
                                    double interval_s) {
  v1::GatewayHealth h;
  if (previous != nullptr && interval_s > 0 && now.cpu_seconds && previous->cpu_seconds) {
    h.set_cpu_percent(100.0 * std::max(0.0, *now.cpu_seconds - *previous->cpu_seconds) /
                      interval_s);
  }
  h.set_rss_bytes(now.rss_bytes.value_or(0));
  h.set_disk_free_bytes(now.disk_free_bytes.value_or(0));
  h.set_backlog_rows(now.journal.queued_rows);
  h.set_backlog_bytes(now.journal.queued_bytes);
  h.set_oldest_backlog_age_ms(now.journal.oldest_queued_age_ms);
  h.set_uplink_connected(now.uplink.connected);
  h.set_clock_state(now.clock.state);
  h.set_uptime_s(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now.uptime_s)));
  AddDrivers(now, &h);
  AddPipelines(now, previous, interval_s, &h);
  for (const auto& v : now.vision_workers) {
    auto* out = h.add_vision_workers();
    out->set_name(v.name);
    out->set_pid(v.pid);
    out->set_running(v.running);
    out->set_restarts(v.restarts);
    out->set_rss_bytes(v.rss_bytes);
    out->set_last_exit(v.last_exit);
    for (const auto& d : v.drivers) out->add_drivers(d);
  }
  for (const auto& w : now.storage_wear) {
    auto* out = h.add_storage_wear();
    out->set_device(w.device);
    out->set_life_time_est_a(w.est_a);
    out->set_life_time_est_b(w.est_b);
  }
  for (int r = 1; r < 8; ++r) {
    if (now.journal.evicted[r] == 0 || !v1::GapReason_IsValid(r)) continue;
    auto* out = h.add_evictions();
    out->set_reason(static_cast<v1::GapReason>(r));
    out->set_count(now.journal.evicted[r]);
  }
  h.set_uplink_reconnects_total(now.uplink.reconnects);
  h.set_events_acked_total(now.uplink.events_acked);
  h.set_durable_seq(now.journal.durable_seq);
  return h;
}

}  // namespace cityedge::health
