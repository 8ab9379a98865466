// SPDX-License-Identifier: Apache-2.0
// Which part of a config runs in the core and which in which vision worker.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/vision/plan.hpp"

namespace cityedge::vision {
namespace {

bool IsFrameDriver(std::string_view type) { return type == "camera" || type == "thermal"; }

v1::DriverInstance* AddDriver(v1::Config& c, const std::string& id, const std::string& type,
                              const std::string& source = "") {
  v1::DriverInstance* d = c.add_drivers();
  d->set_id(id);
  d->set_type(type);
  d->set_enabled(true);
  if (!source.empty()) (*d->mutable_settings())["source"].set_string_value(source);
  return d;
}

v1::PipelineInstance* AddPipeline(v1::Config& c, const std::string& id, const std::string& type,
                                  std::vector<std::string> inputs) {
  v1::PipelineInstance* p = c.add_pipelines();
  p->set_id(id);
  p->set_type(type);
  p->set_enabled(true);
  for (auto& i : inputs) p->add_inputs(i);
  return p;
}

std::vector<std::string> Ids(const google::protobuf::RepeatedPtrField<v1::DriverInstance>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.id());
  return out;
}

TEST_CASE(
    "Reading drivers and their pipelines stay in the core; a box without cameras has no "
    "worker") {
  v1::Config c;
  c.mutable_gateway()->set_id("gw");
  AddDriver(c, "aq1", "replay");
  AddPipeline(c, "pm_high", "threshold", {"aq1/pm2_5"});
  const Plan plan = SplitConfig(c, IsFrameDriver);
  CHECK(plan.workers.empty());
  CHECK(plan.core.drivers_size() == 1);
  CHECK(plan.core.pipelines_size() == 1);
  CHECK(plan.core.gateway().id() == "gw");
}

TEST_CASE("Unrelated cameras get a worker each; a fusing pipeline puts its cameras in one") {
  v1::Config c;
  c.mutable_gateway()->set_id("gw");
  c.set_driver_dir("/usr/lib/cityedge/drivers");
  AddDriver(c, "aq1", "replay");
  AddDriver(c, "cam_a", "camera", "/srv/a.avi");
  AddDriver(c, "cam_b", "camera", "rtsp://10.0.0.9/stream");
  AddDriver(c, "gate_ir", "thermal");
  AddDriver(c, "gate_cam", "camera", "/dev/video2");
  AddPipeline(c, "count_a", "people_count", {"cam_a"});
  AddPipeline(c, "crowd_b", "crowd_density", {"cam_b"});
  AddPipeline(c, "screen", "fever_screen", {"gate_ir", "gate_ir/radiometric_gain", "gate_cam"});
  AddPipeline(c, "pm_high", "threshold", {"aq1/pm2_5"});

  const Plan plan = SplitConfig(c, IsFrameDriver);
  REQUIRE(plan.workers.size() == 3);
  CHECK(Ids(plan.core.drivers()) == std::vector<std::string>{"aq1"});
  REQUIRE(plan.core.pipelines_size() == 1);
  CHECK(plan.core.pipelines(0).id() == "pm_high");

  auto named = [&](const std::string& name) -> const WorkerPlan& {
    auto it = std::find_if(plan.workers.begin(), plan.workers.end(),
                           [&](const WorkerPlan& w) { return w.name == name; });
    REQUIRE(it != plan.workers.end());
    return *it;
  };
  const WorkerPlan& a = named("vision-cam_a");
  CHECK(a.drivers == std::vector<std::string>{"cam_a"});
  CHECK(a.pipelines == std::vector<std::string>{"count_a"});
  CHECK(a.config.gateway().id() == "gw");
  CHECK(a.config.driver_dir() == "/usr/lib/cityedge/drivers");
  CHECK(a.sandbox.read_paths_size() == 1);
  CHECK(a.sandbox.read_paths(0) == "/srv/a.avi");
  CHECK_FALSE(a.sandbox.network());

  const WorkerPlan& b = named("vision-cam_b");
  CHECK(b.pipelines == std::vector<std::string>{"crowd_b"});
  CHECK(b.sandbox.network());
  CHECK(b.sandbox.read_paths_size() == 0);

  // Named after its first driver in config order; both drivers in one worker.
  const WorkerPlan& gate = named("vision-gate_ir");
  CHECK(gate.drivers == std::vector<std::string>{"gate_ir", "gate_cam"});
  CHECK(gate.pipelines == std::vector<std::string>{"screen"});
  CHECK(gate.config.drivers_size() == 2);
  CHECK(gate.config.pipelines_size() == 1);
  REQUIRE(gate.sandbox.read_paths_size() == 1);
  CHECK(gate.sandbox.read_paths(0) == "/dev/video2");
}

TEST_CASE(
    "Evidence folders are the only writable paths; relative paths resolve; labels are no "
    "paths") {
  const auto dir = std::filesystem::temp_directory_path() / "cityedge-plan-test";
  std::filesystem::create_directories(dir / "frames");
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  v1::Config c;
  v1::DriverInstance* ir = AddDriver(c, "ir", "thermal");
  (*ir->mutable_settings())["path"].set_string_value("frames");
  (*ir->mutable_settings())["source"].set_string_value("pgm");  // an enum, not a file here
  v1::PipelineInstance* p = AddPipeline(c, "count", "people_count", {"ir"});
  (*p->mutable_settings())["evidence_dir"].set_string_value("/var/lib/cityedge-evidence");
  (*p->mutable_settings())["evidence_thumbnails"].set_bool_value(true);
  (*p->mutable_settings())["face_cascade"].set_string_value("/usr/share/opencv4/x.xml");
  const Plan plan = SplitConfig(c, IsFrameDriver);
  std::filesystem::current_path(old);
  REQUIRE(plan.workers.size() == 1);
  const auto& s = plan.workers[0].sandbox;
  std::vector<std::string> reads(s.read_paths().begin(), s.read_paths().end());
  CHECK(std::find(reads.begin(), reads.end(), (dir / "frames").string()) != reads.end());
  CHECK(std::find(reads.begin(), reads.end(), "/usr/share/opencv4/x.xml") != reads.end());
  CHECK(std::find(reads.begin(), reads.end(), (dir / "pgm").string()) == reads.end());
  CHECK(reads.size() == 2);
  REQUIRE(s.write_paths_size() == 1);
  CHECK(s.write_paths(0) == "/var/lib/cityedge-evidence");
  std::filesystem::remove_all(dir);

  // With evidence off (the default) the worker may write nowhere.
  (*c.mutable_pipelines(0)->mutable_settings())["evidence_thumbnails"].set_bool_value(false);
  CHECK(SplitConfig(c, IsFrameDriver).workers[0].sandbox.write_paths_size() == 0);
}

TEST_CASE("Disabled frame drivers run nowhere, nor do pipelines that read only them") {
  v1::Config c;
  AddDriver(c, "cam", "camera", "/srv/a.avi")->set_enabled(false);
  AddDriver(c, "aq1", "replay");
  AddPipeline(c, "count", "people_count", {"cam"});
  AddPipeline(c, "off", "people_count", {"cam"})->set_enabled(false);
  const Plan plan = SplitConfig(c, IsFrameDriver);
  CHECK(plan.workers.empty());
  // The core's host skips disabled instances, as it always has.
  CHECK(plan.core.drivers_size() == 2);
  REQUIRE(plan.core.pipelines_size() == 1);
  CHECK(plan.core.pipelines(0).id() == "off");
}

}  // namespace
}  // namespace cityedge::vision
