// SPDX-License-Identifier: Apache-2.0
// Test support for pipelines: an in-memory EventSink, a settable clock,
// settings built from a schema's defaults plus YAML-text overrides, and a
// harness that feeds samples with chosen capture times.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/config/settings_validation.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::testing {

// 2024-06-01T00:00:00Z: a midnight, so hour and day windows start here.
inline constexpr std::int64_t kT0 = 1'717'200'000LL * 1'000'000'000LL;
inline constexpr std::int64_t kSec = 1'000'000'000LL;
inline constexpr std::int64_t kMin = 60 * kSec;
inline constexpr std::int64_t kHour = 60 * kMin;

class MemorySink final : public EventSink {
 public:
  Status Emit(v1::Event event) override {
    events.push_back(std::move(event));
    return OkStatus();
  }
  std::vector<v1::Event> events;
};

class FakeClock final : public clock::Clock {
 public:
  [[nodiscard]] std::int64_t WallNs() const override { return wall_ns; }
  [[nodiscard]] std::int64_t MonotonicNs() const override { return monotonic_ns; }
  [[nodiscard]] const clock::BootId& boot_id() const override { return boot_id_; }
  [[nodiscard]] clock::SyncInfo Sync() const override { return {}; }
  std::int64_t wall_ns = kT0;
  std::int64_t monotonic_ns = 1000 * kSec;

 private:
  clock::BootId boot_id_{};
};

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

  FakeClock clock;
  MemorySink sink;

 private:
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace cityedge::pipelines::testing
