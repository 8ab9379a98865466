// SPDX-License-Identifier: Apache-2.0
#include "tests/pipelines/support/support.hpp"

#include <catch2/catch.hpp>

#include <string_view>
#include <utility>

#include "daemon/core/sample.hpp"

namespace cityedge::pipelines::testing {

config::SettingsResult ValidateSettings(const config::SettingsSchema& schema,
                                        const std::map<std::string, std::string>& yaml,
                                        std::vector<config::Problem>* warnings) {
  YAML::Node settings(YAML::NodeType::Map);
  for (const auto& [key, text] : yaml) {
    YAML::Node name(key);
    name.SetTag("?");
    settings.force_insert(name, YAML::Load(text));
  }
  return config::ValidateSettings(schema, settings, "<test>", "settings", warnings);
}

config::Settings MakeSettings(const config::SettingsSchema& schema,
                              const std::map<std::string, std::string>& yaml) {
  auto settings = ValidateSettings(schema, yaml);
  INFO((settings ? "" : config::FormatProblems(settings.error())));
  REQUIRE(settings.has_value());
  return std::move(*settings);
}

const PipelineType& TypeNamed(std::string_view name) {
#ifdef CITYEDGE_TEST_VISION_PIPELINES
  // Vision pipelines' code is in the vision worker's table.
  const PipelineType* type = FindVisionPipelineType(name);
  if (type == nullptr) type = FindPipelineType(name);
#else
  const PipelineType* type = FindPipelineType(name);
#endif
  INFO("pipeline type " << name);
  REQUIRE(type != nullptr);
  return *type;
}

Result<std::unique_ptr<Pipeline>> Harness::Create(std::string_view type,
                                                  const std::map<std::string, std::string>& yaml,
                                                  std::vector<std::string> inputs) {
  static fakes::RecordingSink sink;
  static fakes::FakeClock clock;
  const PipelineType& t = TypeNamed(type);
  return t.create(MakeSettings(t.schema, yaml), Context{"p", std::move(inputs), &sink, &clock});
}

Harness::Harness(std::string_view type, const std::map<std::string, std::string>& yaml,
                 std::vector<std::string> inputs) {
  const PipelineType& t = TypeNamed(type);
  auto created =
      t.create(MakeSettings(t.schema, yaml), Context{"p", std::move(inputs), &sink, &clock});
  INFO((created ? "" : created.error().ToString()));
  REQUIRE(created.has_value());
  pipeline_ = std::move(*created);
}

void Harness::Feed(std::string_view input, double value, std::int64_t t_ns, std::string_view unit,
                   v1::Quality quality) {
  const auto slash = input.find('/');
  v1::Timestamp ts;
  ts.set_wall_unix_ns(t_ns);
  ts.set_monotonic_ns(t_ns - kT0 + kSec);
  ts.set_clock_state(v1::CLOCK_STATE_NTP);
  Sample sample{.source = input.substr(0, slash),
                .channel = slash == std::string_view::npos ? "" : input.substr(slash + 1),
                .value = value,
                .unit = unit,
                .quality = quality,
                .capture_time = &ts};
  pipeline_->OnSample(sample);
}

void Harness::Tick(std::int64_t monotonic_ns) {
  clock.SetMonotonicNs(monotonic_ns);
  pipeline_->OnTick(monotonic_ns);
}

std::vector<v1::Event> Harness::Take() { return sink.Take(); }

}  // namespace cityedge::pipelines::testing
