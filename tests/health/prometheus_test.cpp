// SPDX-License-Identifier: Apache-2.0
#include <sstream>

#include <catch2/catch.hpp>

#include "daemon/health/prometheus.hpp"

namespace cityedge::health {
namespace {

Snapshot Example() {
  Snapshot s;
  s.gateway_id = "gw-1";
  s.version = "0.9.0";
  s.uptime_s = 3600;
  s.cpu_seconds = 12.5;
  s.rss_bytes = 41'943'040;
  s.disk_free_bytes = 1'000'000'000;
  s.journal.by_class[v1::PRIORITY_CLASS_ALARM] = {2, 300};
  s.journal.by_class[v1::PRIORITY_CLASS_TELEMETRY] = {1000, 64000};
  s.journal.queued_rows = 1002;
  s.journal.oldest_queued_age_ms = 1500;
  s.journal.evicted[v1::GAP_REASON_QUOTA] = 40;
  s.journal.evicted[v1::GAP_REASON_UNCLEAN_SHUTDOWN] = 1;
  s.journal.durable_seq = 123456;
  s.journal.wal_bytes = 4096;
  s.journal.history_rows = 77;
  s.uplink.connected = true;
  s.uplink.reconnects = 3;
  s.uplink.connect_failures = 5;
  s.uplink.events_published = 2000;
  s.uplink.events_acked = 1990;
  s.uplink.events_dead_lettered = 4;
  s.uplink.inflight_batches = 2;
  s.uplink.publish_latency_p50_ms = 12;
  s.uplink.publish_latency_p99_ms = 250;
  DriverInstanceStatus d;
  d.id = "cam\"1";
  d.type = "replay";
  d.state = v1::COMPONENT_STATE_DEGRADED;
  d.restarts = 2;
  d.readings = 10;
  d.frames = 900;
  d.rejected = 1;
  s.drivers.push_back(d);
  s.pipelines.push_back({"cam1/people", "people_count", 0, 880, 20});
  s.clock = {v1::CLOCK_STATE_NTP, 250'000};
  s.storage_wear.push_back({"mmc0:0001", 1, 2});
  return s;
}

constexpr const char* kExpected =
    R"(# HELP cityedge_info The gateway and the software it runs; always 1.
# TYPE cityedge_info gauge
cityedge_info{gateway="gw-1",version="0.9.0"} 1
# HELP cityedge_journal_backlog_rows Events in the journal not yet acknowledged by the broker, per class.
# TYPE cityedge_journal_backlog_rows gauge
cityedge_journal_backlog_rows{class="alarm"} 2
cityedge_journal_backlog_rows{class="detection"} 0
cityedge_journal_backlog_rows{class="gap"} 0
cityedge_journal_backlog_rows{class="health"} 0
cityedge_journal_backlog_rows{class="telemetry"} 1000
# HELP cityedge_journal_backlog_bytes Payload bytes of the events not yet acknowledged, per class.
# TYPE cityedge_journal_backlog_bytes gauge
cityedge_journal_backlog_bytes{class="alarm"} 300
cityedge_journal_backlog_bytes{class="detection"} 0
cityedge_journal_backlog_bytes{class="gap"} 0
cityedge_journal_backlog_bytes{class="health"} 0
cityedge_journal_backlog_bytes{class="telemetry"} 64000
# HELP cityedge_journal_oldest_backlog_age_seconds Age of the oldest unacknowledged event; 0 when the backlog is empty.
# TYPE cityedge_journal_oldest_backlog_age_seconds gauge
cityedge_journal_oldest_backlog_age_seconds 1.5
# HELP cityedge_journal_evictions_total Events the journal evicted and reported in gap records, by reason.
# TYPE cityedge_journal_evictions_total counter
cityedge_journal_evictions_total{reason="quota"} 40
cityedge_journal_evictions_total{reason="age"} 0
cityedge_journal_evictions_total{reason="disk_full"} 0
cityedge_journal_evictions_total{reason="corrupt"} 0
cityedge_journal_evictions_total{reason="rejected"} 0
cityedge_journal_evictions_total{reason="overflow"} 0
cityedge_journal_evictions_total{reason="unclean_shutdown"} 1
# HELP cityedge_journal_durable_seq Highest event seq committed to the journal.
# TYPE cityedge_journal_durable_seq gauge
cityedge_journal_durable_seq 123456
# HELP cityedge_journal_wal_bytes Size of the journal's SQLite write-ahead log.
# TYPE cityedge_journal_wal_bytes gauge
cityedge_journal_wal_bytes 4096
# HELP cityedge_journal_history_rows Acknowledged events kept for replay.
# TYPE cityedge_journal_history_rows gauge
cityedge_journal_history_rows 77
# HELP cityedge_journal_dead_letter_rows Events the broker refused for good, kept in the dead-letter table.
# TYPE cityedge_journal_dead_letter_rows gauge
cityedge_journal_dead_letter_rows 0
# HELP cityedge_journal_degraded 1 while the journal runs degraded (storage trouble).
# TYPE cityedge_journal_degraded gauge
cityedge_journal_degraded 0
# HELP cityedge_uplink_connected 1 while an MQTT session to a broker is up.
# TYPE cityedge_uplink_connected gauge
cityedge_uplink_connected 1
# HELP cityedge_uplink_reconnects_total MQTT connects after the first.
# TYPE cityedge_uplink_reconnects_total counter
cityedge_uplink_reconnects_total 3
# HELP cityedge_uplink_connect_failures_total MQTT connect attempts that failed.
# TYPE cityedge_uplink_connect_failures_total counter
cityedge_uplink_connect_failures_total 5
# HELP cityedge_uplink_events_published_total Events published in batches, retries included.
# TYPE cityedge_uplink_events_published_total counter
cityedge_uplink_events_published_total 2000
# HELP cityedge_uplink_events_acked_total Events whose batch the broker acknowledged.
# TYPE cityedge_uplink_events_acked_total counter
cityedge_uplink_events_acked_total 1990
# HELP cityedge_uplink_events_dead_lettered_total Events dead-lettered after the broker refused their batch repeatedly.
# TYPE cityedge_uplink_events_dead_lettered_total counter
cityedge_uplink_events_dead_lettered_total 4
# HELP cityedge_uplink_inflight_batches Batches published and not yet acknowledged.
# TYPE cityedge_uplink_inflight_batches gauge
cityedge_uplink_inflight_batches 2
# HELP cityedge_uplink_publish_latency_seconds Publish to PUBACK latency of recent batches, by quantile.
# TYPE cityedge_uplink_publish_latency_seconds gauge
cityedge_uplink_publish_latency_seconds{quantile="0.5"} 0.012
cityedge_uplink_publish_latency_seconds{quantile="0.99"} 0.25
# HELP cityedge_driver_state 1 for the state each driver instance is in, 0 for the others.
# TYPE cityedge_driver_state gauge
cityedge_driver_state{driver="cam\"1",type="replay",state="starting"} 0
cityedge_driver_state{driver="cam\"1",type="replay",state="online"} 0
cityedge_driver_state{driver="cam\"1",type="replay",state="degraded"} 1
cityedge_driver_state{driver="cam\"1",type="replay",state="offline"} 0
cityedge_driver_state{driver="cam\"1",type="replay",state="stopped"} 0
# HELP cityedge_driver_restarts_total Restarts of the driver instance.
# TYPE cityedge_driver_restarts_total counter
cityedge_driver_restarts_total{driver="cam\"1",type="replay"} 2
# HELP cityedge_driver_readings_total Readings the driver instance delivered.
# TYPE cityedge_driver_readings_total counter
cityedge_driver_readings_total{driver="cam\"1",type="replay"} 10
# HELP cityedge_driver_frames_total Frames the driver instance delivered.
# TYPE cityedge_driver_frames_total counter
cityedge_driver_frames_total{driver="cam\"1",type="replay"} 900
# HELP cityedge_driver_rejected_total Readings and frames refused as malformed.
# TYPE cityedge_driver_rejected_total counter
cityedge_driver_rejected_total{driver="cam\"1",type="replay"} 1
# HELP cityedge_pipeline_samples_total Readings handed to the pipeline instance.
# TYPE cityedge_pipeline_samples_total counter
cityedge_pipeline_samples_total{pipeline="cam1/people",type="people_count"} 0
# HELP cityedge_pipeline_frames_total Frames handed to the pipeline instance.
# TYPE cityedge_pipeline_frames_total counter
cityedge_pipeline_frames_total{pipeline="cam1/people",type="people_count"} 880
# HELP cityedge_pipeline_frames_dropped_total Frames replaced while waiting because the pipeline instance was busy.
# TYPE cityedge_pipeline_frames_dropped_total counter
cityedge_pipeline_frames_dropped_total{pipeline="cam1/people",type="people_count"} 20
# HELP cityedge_clock_synced 1 while the kernel reports the wall clock synchronised.
# TYPE cityedge_clock_synced gauge
cityedge_clock_synced 1
# HELP cityedge_clock_max_error_seconds Kernel's estimate of the wall clock's maximum error.
# TYPE cityedge_clock_max_error_seconds gauge
cityedge_clock_max_error_seconds 0.25
# HELP cityedge_disk_free_bytes Free bytes on the journal's filesystem.
# TYPE cityedge_disk_free_bytes gauge
cityedge_disk_free_bytes 1000000000
# HELP cityedge_process_resident_memory_bytes Resident set size of cityedged.
# TYPE cityedge_process_resident_memory_bytes gauge
cityedge_process_resident_memory_bytes 41943040
# HELP cityedge_process_cpu_seconds_total User and system CPU time cityedged has used.
# TYPE cityedge_process_cpu_seconds_total counter
cityedge_process_cpu_seconds_total 12.5
# HELP cityedge_uptime_seconds Seconds since cityedged started.
# TYPE cityedge_uptime_seconds gauge
cityedge_uptime_seconds 3600
# HELP cityedge_storage_life_time_estimate eMMC/SD JEDEC life time estimate: 1 = 0-10 % of rated life used ... 10 = 90-100 %, 11 = exceeded.
# TYPE cityedge_storage_life_time_estimate gauge
cityedge_storage_life_time_estimate{device="mmc0:0001",type="a"} 1
cityedge_storage_life_time_estimate{device="mmc0:0001",type="b"} 2
)";

TEST_CASE("Metrics render as Prometheus text, line for line") {
  const std::string text = RenderMetrics(Example());
  std::istringstream got(text), want(kExpected);
  std::string g, w;
  int line = 0;
  while (std::getline(want, w)) {
    ++line;
    INFO("line " << line);
    REQUIRE(std::getline(got, g));
    CHECK(g == w);
  }
  CHECK_FALSE(std::getline(got, g));
  CHECK(text.back() == '\n');
}

TEST_CASE("Parts a machine does not report are left out, not shown as zero") {
  Snapshot s = Example();
  s.rss_bytes.reset();
  s.cpu_seconds.reset();
  s.disk_free_bytes.reset();
  s.storage_wear.clear();
  s.drivers.clear();
  const std::string text = RenderMetrics(s);
  CHECK(text.find("cityedge_process_resident_memory_bytes") == std::string::npos);
  CHECK(text.find("cityedge_process_cpu_seconds_total") == std::string::npos);
  CHECK(text.find("cityedge_disk_free_bytes") == std::string::npos);
  CHECK(text.find("cityedge_storage_life_time_estimate") == std::string::npos);
  // A family with no instances keeps its header, so a scrape shows it exists.
  CHECK(text.find("# TYPE cityedge_driver_state gauge\n# HELP cityedge_driver_restarts_total") !=
        std::string::npos);
}

TEST_CASE("Vision workers show up, restarts and memory, only where there are some") {
  Snapshot s = Example();
  CHECK(RenderMetrics(s).find("cityedge_vision_worker") == std::string::npos);
  VisionWorkerStatus up;
  up.name = "vision-cam1";
  up.pid = 4242;
  up.running = true;
  up.restarts = 3;
  up.rss_bytes = 52'428'800;
  VisionWorkerStatus down;
  down.name = "vision-gate_ir";
  down.last_exit = "killed by SIGSEGV";
  s.vision_workers = {up, down};
  const std::string text = RenderMetrics(s);
  CHECK(text.find("cityedge_vision_worker_up{worker=\"vision-cam1\"} 1\n") != std::string::npos);
  CHECK(text.find("cityedge_vision_worker_up{worker=\"vision-gate_ir\"} 0\n") != std::string::npos);
  CHECK(text.find("cityedge_vision_worker_restarts_total{worker=\"vision-cam1\"} 3\n") !=
        std::string::npos);
  CHECK(text.find("cityedge_vision_worker_resident_memory_bytes{worker=\"vision-cam1\"} "
                  "52428800\n") != std::string::npos);
}

TEST_CASE("Label values escape backslash, quote and line feed") {
  CHECK(EscapeLabelValue("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(EscapeLabelValue("plain") == "plain");
}

}  // namespace
}  // namespace cityedge::health
