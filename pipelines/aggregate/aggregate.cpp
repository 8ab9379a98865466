// SPDX-License-Identifier: Apache-2.0
#include "pipelines/aggregate/aggregate.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "pipelines/framework.hpp"
#include "pipelines/tumbling_windows.hpp"

namespace cityedge::pipelines::aggregate {
namespace {

using config::SettingType;

config::SettingsSchema Schema() {
  return {
      WindowSetting(),
      Setting("averaging", SettingType::kEnum,
              "How the mean is taken: energy (10·log10 of the mean of 10^(L/10)), arithmetic, "
              "or auto: energy for units starting with dB")
          .Default("auto")
          .Allowed({"auto", "energy", "arithmetic"}),
      FlushAfterSetting(),
  };
}

struct Config {
  std::int64_t window_ns = 0;
  std::string averaging;
  std::int64_t flush_after_ns = 0;
};

struct Window {
  std::uint32_t count = 0;
  double min = 0;
  double max = 0;
  double sum = 0;  // of values, or of energies for decibel channels
  double last = 0;
  bool energy = false;
  std::string channel;
  std::string unit;
  std::string driver;
  v1::Timestamp last_capture;
};

using Span = TumblingWindows<Window>::Span;

class AggregatePipeline final : public Pipeline {
 public:
  AggregatePipeline(const Config& config, Context context)
      : averaging_(config.averaging),
        windows_(config.window_ns, config.flush_after_ns,
                 [this](const Window& w, Span span) { Report(w, span); }),
        context_(std::move(context)) {}

  void OnSample(const Sample& sample) override {
    if (sample.quality == v1::QUALITY_BAD) return;
    Window* w = windows_.Route(sample, context_.clock->MonotonicNs(),
                               [this](const Sample& s) { return Open(s); });
    if (w == nullptr) {
      // Windows already reported cannot take a late sample back.
      spdlog::debug("aggregate {}: sample of {} before the open window dropped", context_.id,
                    InputKey(sample));
      return;
    }
    Add(*w, sample);
  }

  void OnTick(std::int64_t monotonic_ns) override { windows_.FlushQuiet(monotonic_ns); }

 private:
  Window Open(const Sample& sample) const {
    Window w;
    w.energy = averaging_ == "energy" || (averaging_ == "auto" && IsDecibelUnit(sample.unit));
    w.channel = std::string(sample.channel);
    w.unit = std::string(sample.unit);
    w.driver = std::string(sample.source);
    w.min = w.max = sample.value;
    return w;
  }

  static void Add(Window& w, const Sample& sample) {
    ++w.count;
    w.min = std::min(w.min, sample.value);
    w.max = std::max(w.max, sample.value);
    w.sum += w.energy ? DbToEnergy(sample.value) : sample.value;
    w.last = sample.value;
    w.last_capture = *sample.capture_time;
  }

  void Report(const Window& w, Span span) {
    v1::Event event = MakeEvent(context_, w.driver, w.last_capture, v1::PRIORITY_CLASS_TELEMETRY);
    v1::Aggregate* a = event.mutable_aggregate();
    a->set_channel(w.channel);
    a->set_unit(w.unit);
    a->set_window_start_unix_ns(span.start_ns);
    a->set_window_end_unix_ns(span.end_ns);
    a->set_count(w.count);
    a->set_min(w.min);
    a->set_max(w.max);
    a->set_mean(w.energy ? EnergyMeanDb(w.sum, w.count) : w.sum / w.count);
    a->set_last(w.last);
    Emit(context_, std::move(event));
  }

  const std::string averaging_;
  TumblingWindows<Window> windows_;
  const Context context_;
};

}  // namespace

PipelineType Type() {
  return {
      .name = "aggregate",
      .description = "Tumbling-window min/max/mean/count/last; decibels energy-averaged",
      .schema = Schema(),
      .create = [](const config::Settings& settings,
                   Context context) -> Result<std::unique_ptr<Pipeline>> {
        Config config{.window_ns = settings.GetInt("window") * kNsPerMs,
                      .averaging = settings.GetString("averaging"),
                      .flush_after_ns = settings.GetInt("flush_after") * kNsPerMs};
        return std::make_unique<AggregatePipeline>(config, std::move(context));
      },
  };
}

}  // namespace cityedge::pipelines::aggregate
