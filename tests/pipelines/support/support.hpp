// SPDX-License-Identifier: Apache-2.0
// Test support for pipelines: settings built from a schema's defaults plus
// YAML-text overrides, and a harness that feeds samples with chosen capture
// times to a pipeline that emits into a fakes::RecordingSink and reads a
// fakes::FakeClock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/config/settings_validation.hpp"
#include "pipelines/pipeline.hpp"
#include "tests/fakes/clock.hpp"
#include "tests/fakes/event_sink.hpp"

namespace cityedge::pipelines::testing {

// 2024-06-01T00:00:00Z: a midnight, so hour and day windows start here. A
// fakes::FakeClock starts at it, with 1000 s of monotonic time.
inline constexpr std::int64_t kT0 = fakes::kFakeWallNs;
inline constexpr std::int64_t kSec = 1'000'000'000LL;
inline constexpr std::int64_t kMin = 60 * kSec;
inline constexpr std::int64_t kHour = 60 * kMin;

// `yaml` entries (key -> YAML text) as a settings block, validated by the
// daemon's own validator: the settings with the schema's defaults, or every
// problem (key paths under "settings."). Deprecated forms it accepted go to
// `warnings` when given.
[[nodiscard]] config::SettingsResult ValidateSettings(
    const config::SettingsSchema& schema, const std::map<std::string, std::string>& yaml,
    std::vector<config::Problem>* warnings = nullptr);

// The same, for settings that must be valid: a problem fails the calling test.
[[nodiscard]] config::Settings MakeSettings(const config::SettingsSchema& schema,
                                            const std::map<std::string, std::string>& yaml);

[[nodiscard]] const PipelineType& TypeNamed(std::string_view name);

class Harness {
 public:
  Harness(std::string_view type, const std::map<std::string, std::string>& yaml,
          std::vector<std::string> inputs);

  // Result of create() for configurations that should be refused.
  [[nodiscard]] static Result<std::unique_ptr<Pipeline>> Create(
      std::string_view type, const std::map<std::string, std::string>& yaml,
      std::vector<std::string> inputs = {"drv/ch"});

  // Feeds `input` ("driver/channel") with a value captured at t_ns.
  void Feed(std::string_view input, double value, std::int64_t t_ns, std::string_view unit = "",
            v1::Quality quality = v1::QUALITY_GOOD);
  void Tick(std::int64_t monotonic_ns);

  // Events emitted since the last call.
  [[nodiscard]] std::vector<v1::Event> Take();

  fakes::FakeClock clock;
  fakes::RecordingSink sink;

 private:
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace cityedge::pipelines::testing
