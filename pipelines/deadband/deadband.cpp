// SPDX-License-Identifier: Apache-2.0
#include "pipelines/deadband/deadband.hpp"

#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "pipelines/framework.hpp"

namespace cityedge::pipelines::deadband {
namespace {

using config::SettingType;

config::SettingsSchema Schema() {
  return {
      Setting("absolute_band", SettingType::kDouble,
              "Pass a reading that differs from the last one passed by more than this (unit "
              "of the input); 0: not used")
          .Default("0")
          .Min(0),
      Setting("relative_band", SettingType::kDouble,
              "Pass a reading that differs from the last one passed by more than this share "
              "of it; 0: not used")
          .Default("0")
          .Min(0)
          .Unit("%"),
      Setting("max_interval", SettingType::kDuration,
              "Pass a reading anyway when none was passed for this long (capture time), so "
              "a steady value still shows it is alive; 0: never")
          .Default("0s")
          .Min(0)
          .Unit("ms"),
  };
}

struct Config {
  double absolute_band = 0;
  double relative_band = 0;  // fraction, not percent
  std::int64_t max_interval_ns = 0;
};

struct LastPassed {
  double value = 0;
  v1::Quality quality = v1::QUALITY_UNSPECIFIED;
  std::int64_t t_ns = 0;
};

class DeadbandPipeline final : public Pipeline {
 public:
  DeadbandPipeline(Config config, Context context)
      : config_(config), context_(std::move(context)) {}

  void OnSample(const Sample& sample) override {
    auto [it, first] = last_.try_emplace(InputKey(sample));
    if (!first && !Passes(it->second, sample)) return;
    it->second = {sample.value, sample.quality, CaptureNs(sample)};
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_TELEMETRY);
    v1::Reading* reading = event.mutable_reading();
    reading->set_channel(std::string(sample.channel));
    reading->set_value(sample.value);
    reading->set_unit(std::string(sample.unit));
    reading->set_quality(sample.quality);
    Emit(context_, std::move(event));
  }

 private:
  [[nodiscard]] bool Passes(const LastPassed& last, const Sample& sample) const {
    if (sample.quality != last.quality) return true;
    if (config_.max_interval_ns > 0 && CaptureNs(sample) - last.t_ns >= config_.max_interval_ns) {
      return true;
    }
    const double moved = std::abs(sample.value - last.value);
    if (config_.absolute_band == 0 && config_.relative_band == 0) return moved > 0;
    return (config_.absolute_band > 0 && moved > config_.absolute_band) ||
           (config_.relative_band > 0 && moved > config_.relative_band * std::abs(last.value));
  }

  const Config config_;
  const Context context_;
  std::map<std::string, LastPassed> last_;
};

}  // namespace

PipelineType Type() {
  return {
      .name = "deadband",
      .description = "Report by exception: pass a reading when it moved by more than a band",
      .schema = Schema(),
      .create = [](const config::Settings& settings,
                   Context context) -> Result<std::unique_ptr<Pipeline>> {
        const Config config{.absolute_band = settings.GetDouble("absolute_band"),
                            .relative_band = settings.GetDouble("relative_band") / 100.0,
                            .max_interval_ns = settings.GetInt("max_interval") * kNsPerMs};
        return std::make_unique<DeadbandPipeline>(config, std::move(context));
      },
  };
}

}  // namespace cityedge::pipelines::deadband
