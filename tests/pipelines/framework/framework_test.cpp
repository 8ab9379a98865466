// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <set>

#include "daemon/config/settings_validation.hpp"
#include "pipelines/framework.hpp"
#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines {
namespace {

using testing::kT0;

TEST_CASE("The built-in table lists every reading pipeline once, found by name") {
  for (const char* name :
       {"threshold", "deadband", "aggregate", "noise_leq", "aqi", "flood", "rainfall"}) {
    INFO(name);
    const PipelineType* type = FindPipelineType(name);
    REQUIRE(type != nullptr);
    CHECK(type->name == name);
    CHECK_FALSE(type->description.empty());
    CHECK_FALSE(type->schema.empty());
    CHECK(type->create);
  }
  CHECK(FindPipelineType("no_such_pipeline") == nullptr);
  std::set<std::string> names;
  for (const auto& type : BuiltinPipelineTypes()) CHECK(names.insert(type.name).second);
}

TEST_CASE("Every settings row is documented and its default is valid for its own type") {
  for (const auto& type : BuiltinPipelineTypes()) {
    for (const auto& spec : type.schema) {
      INFO(type.name << "." << spec.key);
      CHECK_FALSE(spec.description.empty());
      if (spec.default_text.empty()) continue;
      const auto value = config::ValidateSettingsText({spec}, spec.key + ": " + spec.default_text);
      INFO((value ? "" : config::FormatProblems(value.error())));
      CHECK(value.has_value());
    }
  }
}

TEST_CASE("Events carry source driver/pipeline, the sample's capture time and the priority") {
  fakes::RecordingSink sink;
  fakes::FakeClock clock;
  const Context context{"noise_alarm", {"kerb1/laeq"}, &sink, &clock};
  v1::Timestamp ts;
  ts.set_wall_unix_ns(kT0 + 5);
  ts.set_monotonic_ns(77);
  ts.set_clock_state(v1::CLOCK_STATE_NTP);
  const Sample sample{
      .source = "kerb1", .channel = "laeq", .value = 1, .unit = "dBA", .capture_time = &ts};
  const v1::Event event = MakeEvent(context, sample, v1::PRIORITY_CLASS_ALARM);
  CHECK(event.source() == "kerb1/noise_alarm");
  CHECK(event.capture_time().wall_unix_ns() == kT0 + 5);
  CHECK(event.capture_time().monotonic_ns() == 77);
  CHECK(event.capture_time().clock_state() == v1::CLOCK_STATE_NTP);
  CHECK(event.priority() == v1::PRIORITY_CLASS_ALARM);
  CHECK(event.seq() == 0);
  CHECK(InputKey(sample) == "kerb1/laeq");
  CHECK(InputDriver("kerb1/laeq") == "kerb1");
  CHECK(InputDriver("cam1") == "cam1");

  clock.SetWallNs(kT0 + 9);
  const v1::Event timer = MakeTimerEvent(context, "kerb1/laeq", v1::PRIORITY_CLASS_ALARM);
  CHECK(timer.source() == "kerb1/noise_alarm");
  CHECK(timer.capture_time().wall_unix_ns() == kT0 + 9);
}

TEST_CASE("Alert texts print capture times as UTC with milliseconds") {
  CHECK(FormatUtc(kT0) == "2024-06-01T00:00:00.000Z");
  CHECK(FormatUtc(kT0 + 3'723'250'000'000LL) == "2024-06-01T01:02:03.250Z");
  CHECK(FormatUtc(-1'000'000) == "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace cityedge::pipelines
