// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>

#include "daemon/health/collector.hpp"
#include "daemon/health/health_reporter.hpp"
#include "tests/fakes/clock.hpp"
#include "tests/fakes/event_sink.hpp"
#include "tests/support/process.hpp"

namespace cityedge::health {
namespace {

using cityedge::testing::TempDir;
using cityedge::testing::WriteFile;
using fakes::FakeClock;
using fakes::RecordingSink;

struct Fixture {
  Fixture() {
    std::filesystem::create_directories(dir.Join("sys/mmc_host/mmc0/mmc0:0001"));
    WriteFile(dir.Join("sys/mmc_host/mmc0/mmc0:0001/life_time"), "0x02 0x01\n");
    std::filesystem::create_directories(dir.Join("proc"));
    SetCpuTicks(0);
    WriteFile(dir.Join("proc/statm"), "100 10 3 1 0 20 0\n");
    sources.journal = [this] { return journal; };
    sources.uplink = [this] { return uplink; };
    sources.drivers = [this] { return drivers; };
    sources.pipelines = [this] { return pipelines; };
  }
  void SetCpuTicks(long ticks) {
    WriteFile(dir.Join("proc/stat"), "1 (cityedged) S 1 1 1 0 -1 0 0 0 0 0 " +
                                         std::to_string(ticks) + " 0 0 0 20 0 1 0 1 0 0\n");
  }
  CollectorOptions Options() {
    return {"gw-7", "1.0", dir.path(), dir.Join("proc"), dir.Join("sys")};
  }

  TempDir dir;
  FakeClock clock{{.wall_ns = 0, .monotonic_ns = 5'000'000'000}};
  Sources sources;
  journal::Stats journal;
  uplink::UplinkStats uplink;
  std::vector<DriverInstanceStatus> drivers;
  std::vector<PipelineInstanceStatus> pipelines;
};

TEST_CASE("A snapshot gathers every source and the machine's own numbers") {
  Fixture f;
  f.journal.queued_rows = 12;
  f.journal.durable_seq = 99;
  f.uplink.connected = true;
  f.drivers.push_back({"aq1", "replay", v1::COMPONENT_STATE_ONLINE, "", 1, 5, 0, 0, 0});
  f.pipelines.push_back({"aq1/t", "threshold", 5, 0, 0});
  f.clock.SetSync({v1::CLOCK_STATE_NTP, 0});
  Collector collector(f.Options(), f.sources, f.clock);
  f.clock.Advance(90'000'000'000);
  const Snapshot s = collector.Collect();
  CHECK(s.gateway_id == "gw-7");
  CHECK(s.uptime_s == 90);
  CHECK(s.journal.queued_rows == 12);
  CHECK(s.uplink.connected);
  REQUIRE(s.drivers.size() == 1);
  CHECK(s.drivers[0].id == "aq1");
  REQUIRE(s.pipelines.size() == 1);
  CHECK(s.clock.state == v1::CLOCK_STATE_NTP);
  REQUIRE(s.storage_wear.size() == 1);
  CHECK(s.storage_wear[0] == StorageWear{"mmc0:0001", 2, 1});
  CHECK(s.rss_bytes.value_or(0) == 10u * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
  CHECK(s.disk_free_bytes.value_or(0) > 0);
}

TEST_CASE("The health event carries rates over the interval and the new fields") {
  Fixture f;
  Collector collector(f.Options(), f.sources, f.clock);
  f.pipelines.push_back({"cam1/people", "people_count", 0, 100, 0});
  const Snapshot first = collector.Collect();
  f.pipelines[0].frames = 400;  // 300 frames in 20 s
  f.pipelines[0].frames_dropped = 7;
  f.SetCpuTicks(static_cast<long>(::sysconf(_SC_CLK_TCK)) * 5);  // 5 s of CPU in 20 s
  f.journal.evicted[v1::GAP_REASON_AGE] = 3;
  f.journal.durable_seq = 500;
  f.uplink.reconnects = 2;
  f.uplink.events_acked = 450;
  f.drivers.push_back({"cam1", "replay", v1::COMPONENT_STATE_ONLINE, "ok", 1, 0, 400, 0, 0});
  f.clock.Advance(20'000'000'000);
  const Snapshot second = collector.Collect();

  const v1::Event e = MakeHealthEvent(second, &first, 20.0, f.clock);
  CHECK(e.source() == "gw-7");
  CHECK(e.priority() == v1::PRIORITY_CLASS_HEALTH);
  CHECK(e.seq() == 0);
  CHECK(e.capture_time().wall_unix_ns() == f.clock.WallNs());
  REQUIRE(e.has_gateway_health());
  const v1::GatewayHealth& h = e.gateway_health();
  CHECK(h.cpu_percent() == Approx(25.0));
  CHECK(h.uptime_s() == 20);
  REQUIRE(h.pipelines_size() == 1);
  CHECK(h.pipelines(0).frames_per_s() == Approx(15.0));
  CHECK(h.pipelines(0).frames_total() == 400);
  CHECK(h.pipelines(0).frames_dropped_total() == 7);
  REQUIRE(h.components_size() == 1);
  CHECK(h.components(0).instance() == "cam1");
  CHECK(h.components(0).state() == v1::COMPONENT_STATE_ONLINE);
  REQUIRE(h.evictions_size() == 1);
  CHECK(h.evictions(0).reason() == v1::GAP_REASON_AGE);
  CHECK(h.evictions(0).count() == 3);
  REQUIRE(h.storage_wear_size() == 1);
  CHECK(h.storage_wear(0).life_time_est_a() == 2);
  CHECK(h.uplink_reconnects_total() == 2);
  CHECK(h.events_acked_total() == 450);
  CHECK(h.durable_seq() == 500);
  CHECK(h.vision_workers_size() == 0);

  // The first event has no interval to measure rates over.
  const v1::GatewayHealth none = MakeHealthEvent(first, nullptr, 0, f.clock).gateway_health();
  CHECK(none.cpu_percent() == 0);
  CHECK(none.pipelines(0).frames_per_s() == 0);
  // A pipeline restarted by a config apply counts from 0 again: no negative rate.
  Snapshot restarted = second;
  restarted.pipelines[0].frames = 10;
  CHECK(MakeGatewayHealth(restarted, &second, 20.0).pipelines(0).frames_per_s() == 0);
}

TEST_CASE("The health event names each vision worker, its pid, restarts and memory") {
  Snapshot s;
  VisionWorkerStatus w;
  w.name = "vision-cam1";
  w.pid = 321;
  w.running = true;
  w.restarts = 2;
  w.rss_bytes = 40u << 20;
  w.last_exit = "killed by SIGKILL";
  w.drivers = {"cam1", "cam2"};
  s.vision_workers = {w};
  const v1::GatewayHealth h = MakeGatewayHealth(s, nullptr, 0);
  REQUIRE(h.vision_workers_size() == 1);
  CHECK(h.vision_workers(0).name() == "vision-cam1");
  CHECK(h.vision_workers(0).pid() == 321);
  CHECK(h.vision_workers(0).running());
  CHECK(h.vision_workers(0).restarts() == 2);
  CHECK(h.vision_workers(0).rss_bytes() == 40u << 20);
  CHECK(h.vision_workers(0).last_exit() == "killed by SIGKILL");
  CHECK(h.vision_workers(0).drivers_size() == 2);
}

TEST_CASE("The reporter emits a health event every interval until stopped") {
  Fixture f;
  Collector collector(f.Options(), f.sources, f.clock);
  RecordingSink sink;
  HealthReporter reporter(collector, sink, f.clock, std::chrono::milliseconds(50), nullptr);
  reporter.Start();
  sink.WaitFor([](const auto& events) { return events.size() >= 2; }, std::chrono::seconds(4));
  reporter.Stop();
  const auto events = sink.Take();
  REQUIRE(events.size() >= 2);
  for (const auto& e : events) {
    CHECK(e.has_gateway_health());
    CHECK(e.priority() == v1::PRIORITY_CLASS_HEALTH);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  CHECK(sink.Take().empty());  // nothing after Stop
}

}  // namespace
}  // namespace cityedge::health
