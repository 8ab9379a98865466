// SPDX-License-Identifier: Apache-2.0
// Components with the real router, driver host (a replay driver on a CSV
// file) and journal: the start order, a start that fails half-way, and a
// close that refuses later starts.
#include <catch2/catch.hpp>

#include "daemon/app/components.hpp"
#include "daemon/config/defaults.hpp"
#include "daemon/config/loader.hpp"
#include "daemon/config/problem.hpp"
#include "tests/support/process.hpp"

namespace cityedge::app {
namespace {

using cityedge::testing::TempDir;
using cityedge::testing::WriteFile;

struct Bench {
  Bench() {
    WriteFile(dir.Join("t.csv"),
              "timestamp,channel,value,unit\n2026-11-28T10:00:00Z,temp,20,degC\n");
    v1::JournalConfig journal_config = config::WithDefaults(v1::JournalConfig());
    journal_config.set_path(dir.Join("journal.db"));
    journal_config.set_min_free_disk(0);
    auto opened = journal::Open(journal_config, clock::Default());
    REQUIRE(opened.has_value());
    journal = std::move(*opened);
    drivers = std::make_unique<host::DriverHost>(registry->drivers(), *journal, clock::Default());
    drivers->AddSampleListener(&tap);
    vision = std::make_unique<vision::Supervisor>(*journal, clock::Default(),
                                                  vision::SupervisorOptions{});
    components =
        std::make_unique<Components>(*registry, *journal, clock::Default(), tap, *drivers, *vision);
  }

  v1::Config Load(const std::string& drivers_and_pipelines) const {
    const std::string yaml =
        "gateway:\n  id: gw1\nuplink:\n  brokers: [tcp://127.0.0.1:1]\n" + drivers_and_pipelines;
    const config::Loaded loaded = config::LoadConfigText(yaml, "test.yaml", *registry);
    INFO(config::FormatProblems(loaded.problems));
    REQUIRE(loaded.ok());
    return loaded.config;
  }
  v1::Config Good() const {
    return Load(
        "drivers:\n  - id: t1\n    type: replay\n    settings: {path: " + dir.Join("t.csv") +
        ", loop: true}\npipelines:\n  - id: warm\n    type: threshold\n"
        "    inputs: [t1/temp]\n    settings: {high: 30}\n");
  }
  [[nodiscard]] std::vector<std::string> Running() const {
    std::vector<std::string> ids;
    for (const auto& d : drivers->Statuses()) ids.push_back("driver " + d.id);
    for (const auto& p : tap.Pipelines()) ids.push_back("pipeline " + p.id);
    return ids;
  }

  TempDir dir;
  std::unique_ptr<Registry> registry = Registry::Builtin();
  std::unique_ptr<journal::Journal> journal;
  pipelines::SampleTap tap;
  std::unique_ptr<host::DriverHost> drivers;
  std::unique_ptr<vision::Supervisor> vision;
  std::unique_ptr<Components> components;
};

TEST_CASE("Components start the router and the drivers, stop them, and start again") {
  Bench b;
  const v1::Config config = b.Good();
  StartFailure failure = StartFailure::kPipelines;
  REQUIRE(b.components->Start(config, &failure));
  CHECK(failure == StartFailure::kNone);
  CHECK(b.Running() == std::vector<std::string>{"driver t1", "pipeline warm"});
  CHECK(b.tap.LastTickSteadyNs().has_value());
  b.components->Stop();
  CHECK(b.Running().empty());
  CHECK_FALSE(b.tap.LastTickSteadyNs().has_value());  // no router installed
  REQUIRE(b.components->Start(config));
  CHECK(b.Running() == std::vector<std::string>{"driver t1", "pipeline warm"});
  CHECK(b.components->RestartDriver("t1"));
}

TEST_CASE("A pipeline that cannot be built fails the start before any driver starts") {
  Bench b;
  v1::Config config = b.Good();
  // Valid for the schema, refused by the pipeline: nothing to watch.
  config.mutable_pipelines(0)->mutable_settings()->erase("high");
  StartFailure failure = StartFailure::kNone;
  auto s = b.components->Start(config, &failure);
  REQUIRE_FALSE(s.has_value());
  CHECK(failure == StartFailure::kPipelines);
  CHECK_THAT(s.error().message(), Catch::Contains("nothing to watch"));
  CHECK(b.Running().empty());
}

TEST_CASE("Drivers that fail to start leave no router behind") {
  Bench b;
  const v1::Config config = b.Load(
      "drivers:\n  - id: t1\n    type: replay\n    required: true\n"
      "    settings: {path: " +
      b.dir.Join("missing.csv") +
      "}\npipelines:\n  - id: warm\n    type: threshold\n"
      "    inputs: [t1/temp]\n    settings: {high: 30}\n");
  StartFailure failure = StartFailure::kNone;
  auto s = b.components->Start(config, &failure);
  REQUIRE_FALSE(s.has_value());
  CHECK(failure == StartFailure::kDrivers);
  CHECK(b.Running().empty());
  CHECK_FALSE(b.tap.LastTickSteadyNs().has_value());
  // The components are not stuck: a good config starts.
  REQUIRE(b.components->Start(b.Good()));
  CHECK(b.Running().size() == 2);
}

TEST_CASE("After Close nothing starts again") {
  Bench b;
  REQUIRE(b.components->Start(b.Good()));
  b.components->Close();
  CHECK(b.Running().empty());
  auto s = b.components->Start(b.Good());
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code() == Code::kUnavailable);
  CHECK(b.Running().empty());
  CHECK(b.components->RestartDriver("t1").error().code() == Code::kUnavailable);
  b.components->Close();  // idempotent
}

}  // namespace
}  // namespace cityedge::app
