// SPDX-License-Identifier: Apache-2.0
#include "daemon/health/prometheus.hpp"

#include <cmath>
#include <initializer_list>
#include <utility>

#include <fmt/format.h>

#include "daemon/core/event_sink.hpp"

namespace cityedge::health {
namespace {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

// Appends one family at a time: header first, then its samples.
class Writer {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
  }
  void Sample(std::string_view name, Labels labels, std::string_view value) {
    out_ += name;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        fmt::format_to(std::back_inserter(out_), "{}{}=\"{}\"", first ? "" : ",", k,
                       EscapeLabelValue(v));
        first = false;
      }
      out_ += '}';
    }
    fmt::format_to(std::back_inserter(out_), " {}\n", value);
  }
  void Sample(std::string_view name, Labels labels, std::uint64_t value) {
    Sample(name, labels, std::to_string(value));
  }
  void Sample(std::string_view name, Labels labels, double value) {
    Sample(name, labels, std::string_view(Number(value)));
  }
  // A family with one unlabelled sample.
  template <typename T>
  void One(std::string_view name, std::string_view type, std::string_view help, T value) {
    Family(name, type, help);
    Sample(name, {}, value);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

constexpr v1::PriorityClass kClasses[] = {v1::PRIORITY_CLASS_ALARM, v1::PRIORITY_CLASS_DETECTION,
                                          v1::PRIORITY_CLASS_GAP, v1::PRIORITY_CLASS_HEALTH,
                                          v1::PRIORITY_CLASS_TELEMETRY};

constexpr std::pair<v1::GapReason, std::string_view> kReasons[] = {
    {v1::GAP_REASON_QUOTA, "quota"},
    {v1::GAP_REASON_AGE, "age"},
    {v1::GAP_REASON_DISK_FULL, "disk_full"},
    {v1::GAP_REASON_CORRUPT, "corrupt"},
    {v1::GAP_REASON_REJECTED, "rejected"},
    {v1::GAP_REASON_OVERFLOW, "overflow"},
    {v1::GAP_REASON_UNCLEAN_SHUTDOWN, "unclean_shutdown"},
};

constexpr std::pair<v1::ComponentState, std::string_view> kStates[] = {
    {v1::COMPONENT_STATE_STARTING, "starting"}, {v1::COMPONENT_STATE_ONLINE, "online"},
    {v1::COMPONENT_STATE_DEGRADED, "degraded"}, {v1::COMPONENT_STATE_OFFLINE, "offline"},
    {v1::COMPONENT_STATE_STOPPED, "stopped"},
};

void RenderJournal(const journal::Stats& j, Writer& w) {
  w.Family("cityedge_journal_backlog_rows", "gauge",
           "Events in the journal not yet acknowledged by the broker, per class.");
  for (auto c : kClasses) {
    w.Sample("cityedge_journal_backlog_rows", {{"class", PriorityTopicClass(c)}},
             j.by_class[c].rows);
  }
  w.Family("cityedge_journal_backlog_bytes", "gauge",
           "Payload bytes of the events not yet acknowledged, per class.");
  for (auto c : kClasses) {
    w.Sample("cityedge_journal_backlog_bytes", {{"class", PriorityTopicClass(c)}},
             j.by_class[c].bytes);
  }
  w.One("cityedge_journal_oldest_backlog_age_seconds", "gauge",
        "Age of the oldest unacknowledged event; 0 when the backlog is empty.",
        static_cast<double>(j.oldest_queued_age_ms) / 1000.0);
  w.Family("cityedge_journal_evictions_total", "counter",
           "Events the journal evicted and reported in gap records, by reason.");
  for (const auto& [reason, name] : kReasons) {
    w.Sample("cityedge_journal_evictions_total", {{"reason", name}}, j.evicted[reason]);
  }
  w.One("cityedge_journal_durable_seq", "gauge", "Highest event seq committed to the journal.",
        j.durable_seq);
  w.One("cityedge_journal_wal_bytes", "gauge", "Size of the journal's SQLite write-ahead log.",
        j.wal_bytes);
  w.One("cityedge_journal_history_rows", "gauge", "Acknowledged events kept for replay.",
        j.history_rows);
  w.One("cityedge_journal_dead_letter_rows", "gauge",
        "Events the broker refused for good, kept in the dead-letter table.", j.dead_letter_rows);
  w.One("cityedge_journal_degraded", "gauge",
        "1 while the journal runs degraded (storage trouble).",
        std::uint64_t{j.degraded ? 1u : 0u});
}

void RenderUplink(const uplink::UplinkStats& u, Writer& w) {
  w.One("cityedge_uplink_connected", "gauge", "1 while an MQTT session to a broker is up.",
        std::uint64_t{u.connected ? 1u : 0u});
  w.One("cityedge_uplink_reconnects_total", "counter", "MQTT connects after the first.",
        u.reconnects);
  w.One("cityedge_uplink_connect_failures_total", "counter", "MQTT connect attempts that failed.",
        u.connect_failures);
  w.One("cityedge_uplink_events_published_total", "counter",
        "Events published in batches, retries included.", u.events_published);
  w.One("cityedge_uplink_events_acked_total", "counter",
        "Events whose batch the broker acknowledged.", u.events_acked);
  w.One("cityedge_uplink_events_dead_lettered_total", "counter",
        "Events dead-lettered after the broker refused their batch repeatedly.",
        u.events_dead_lettered);
  w.One("cityedge_uplink_inflight_batches", "gauge", "Batches published and not yet acknowledged.",
        u.inflight_batches);
  w.Family("cityedge_uplink_publish_latency_seconds", "gauge",
           "Publish to PUBACK latency of recent batches, by quantile.");
  w.Sample("cityedge_uplink_publish_latency_seconds", {{"quantile", "0.5"}},
           u.publish_latency_p50_ms / 1000.0);
  w.Sample("cityedge_uplink_publish_latency_seconds", {{"quantile", "0.99"}},
           u.publish_latency_p99_ms / 1000.0);
}

void RenderDrivers(const std::vector<DriverInstanceStatus>& drivers, Writer& w) {
  w.Family("cityedge_driver_state", "gauge",
           "1 for the state each driver instance is in, 0 for the others.");
  for (const auto& d : drivers) {
    for (const auto& [state, name] : kStates) {
      w.Sample("cityedge_driver_state", {{"driver", d.id}, {"type", d.type}, {"state", name}},
               std::uint64_t{d.state == state ? 1u : 0u});
    }
  }
  struct Counter {
    std::string_view name, help;
    std::uint64_t DriverInstanceStatus::*field;
  };
  static constexpr Counter kCounters[] = {
      {"cityedge_driver_readings_total", "Readings the driver instance delivered.",
       &DriverInstanceStatus::readings},
      {"cityedge_driver_frames_total", "Frames the driver instance delivered.",
       &DriverInstanceStatus::frames},
      {"cityedge_driver_rejected_total", "Readings and frames refused as malformed.",
       &DriverInstanceStatus::rejected},
  };
  w.Family("cityedge_driver_restarts_total", "counter", "Restarts of the driver instance.");
  for (const auto& d : drivers) {
    w.Sample("cityedge_driver_restarts_total", {{"driver", d.id}, {"type", d.type}},
             std::uint64_t{d.restarts});
  }
  for (const auto& c : kCounters) {
    w.Family(c.name, "counter", c.help);
    for (const auto& d : drivers) {
      w.Sample(c.name, {{"driver", d.id}, {"type", d.type}}, d.*c.field);
    }
  }
}

void RenderPipelines(const std::vector<PipelineInstanceStatus>& pipelines, Writer& w) {
  struct Counter {
    std::string_view name, help;
    std::uint64_t PipelineInstanceStatus::*field;
  };
  static constexpr Counter kCounters[] = {
      {"cityedge_pipeline_samples_total", "Readings handed to the pipeline instance.",
       &PipelineInstanceStatus::samples},
      {"cityedge_pipeline_frames_total", "Frames handed to the pipeline instance.",
       &PipelineInstanceStatus::frames},
      {"cityedge_pipeline_frames_dropped_total",
       "Frames replaced while waiting because the pipeline instance was busy.",
       &PipelineInstanceStatus::frames_dropped},
  };
  for (const auto& c : kCounters) {
    w.Family(c.name, "counter", c.help);
    for (const auto& p : pipelines) {
      w.Sample(c.name, {{"pipeline", p.id}, {"type", p.type}}, p.*c.field);
    }
  }
}

void RenderVisionWorkers(const std::vector<VisionWorkerStatus>& workers, Writer& w) {
  if (workers.empty()) return;
  w.Family("cityedge_vision_worker_up", "gauge",
           "1 while the vision worker process runs, 0 while it is down or restarting.");
  for (const auto& v : workers) {
    w.Sample("cityedge_vision_worker_up", {{"worker", v.name}}, std::uint64_t{v.running ? 1u : 0u});
  }
  w.Family("cityedge_vision_worker_restarts_total", "counter",
           "Times the vision worker was restarted after it exited, crashed or hung.");
  for (const auto& v : workers) {
    w.Sample("cityedge_vision_worker_restarts_total", {{"worker", v.name}},
             std::uint64_t{v.restarts});
  }
  w.Family("cityedge_vision_worker_resident_memory_bytes", "gauge",
           "Resident set size of the vision worker at its last heartbeat.");
  for (const auto& v : workers) {
    w.Sample("cityedge_vision_worker_resident_memory_bytes", {{"worker", v.name}}, v.rss_bytes);
  }
}

void RenderSystem(const Snapshot& s, Writer& w) {
  w.One("cityedge_clock_synced", "gauge", "1 while the kernel reports the wall clock synchronised.",
        std::uint64_t{s.clock.state == v1::CLOCK_STATE_NTP || s.clock.state == v1::CLOCK_STATE_RTC
                          ? 1u
                          : 0u});
  w.One("cityedge_clock_max_error_seconds", "gauge",
        "Kernel's estimate of the wall clock's maximum error.",
        static_cast<double>(s.clock.max_error_us) / 1e6);
  if (s.disk_free_bytes) {
    w.One("cityedge_disk_free_bytes", "gauge", "Free bytes on the journal's filesystem.",
          *s.disk_free_bytes);
  }
  if (s.rss_bytes) {
    w.One("cityedge_process_resident_memory_bytes", "gauge", "Resident set size of cityedged.",
          *s.rss_bytes);
  }
  if (s.cpu_seconds) {
    w.One("cityedge_process_cpu_seconds_total", "counter",
          "User and system CPU time cityedged has used.", *s.cpu_seconds);
  }
  w.One("cityedge_uptime_seconds", "gauge", "Seconds since cityedged started.",
        static_cast<std::uint64_t>(s.uptime_s < 0 ? 0 : s.uptime_s));
  if (s.storage_wear.empty()) return;
  w.Family("cityedge_storage_life_time_estimate", "gauge",
           "eMMC/SD JEDEC life time estimate: 1 = 0-10 % of rated life used ... 10 = 90-100 %, "
           "11 = exceeded.");
  for (const auto& wear : s.storage_wear) {
    w.Sample("cityedge_storage_life_time_estimate", {{"device", wear.device}, {"type", "a"}},
             std::uint64_t{wear.est_a});
    w.Sample("cityedge_storage_life_time_estimate", {{"device", wear.device}, {"type", "b"}},
             std::uint64_t{wear.est_b});
  }
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderMetrics(const Snapshot& snapshot) {
  Writer w;
  w.Family("cityedge_info", "gauge", "The gateway and the software it runs; always 1.");
  w.Sample("cityedge_info", {{"gateway", snapshot.gateway_id}, {"version", snapshot.version}},
           std::uint64_t{1});
  RenderJournal(snapshot.journal, w);
  RenderUplink(snapshot.uplink, w);
  RenderDrivers(snapshot.drivers, w);
  RenderPipelines(snapshot.pipelines, w);
  RenderVisionWorkers(snapshot.vision_workers, w);
  RenderSystem(snapshot, w);
  return w.Take();
}

}  // namespace cityedge::health
