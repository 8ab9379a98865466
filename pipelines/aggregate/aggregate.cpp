#include "pipelines/aggregate/aggregate.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "pipelines/framework.hpp"

namespace cityedge::pipelines::aggregate {
namespace {

using config::SettingType;

config::SettingsSchema Schema() {
  return {
      Setting("window", SettingType::kDuration,
              "Length of the tumbling windows, aligned to the Unix epoch in capture time")
          .Default("1m")
          .Min(1000)
          .Max(86'400'000)
          .Unit("ms"),
      Setting("averaging", SettingType::kEnum,
              "How the mean is taken: energy (10·log10 of the mean of 10^(L/10)), arithmetic, "
              "or auto: energy for units starting with dB")
          .Default("auto")
          .Allowed({"auto", "energy", "arithmetic"}),
      Setting("flush_after", SettingType::kDuration,
              "Close an open window when its input sent nothing for this long (gateway "
              "monotonic time); 0: only the next window's first sample closes it")
          .Default("0s")
          .Min(0)
          .Unit("ms"),
  };
}

struct Config {
  std::int64_t window_ns = 0;
  std::string averaging;
  std::int64_t flush_after_ns = 0;
};

struct Window {
  std::int64_t start_ns = 0;
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
  std::int64_t last_seen_monotonic_ns = 0;
};

class AggregatePipeline final : public Pipeline {
 public:
  AggregatePipeline(Config config, Context context)
      : config_(std::move(config)), context_(std::move(context)) {}

  void OnSample(const Sample& sample) override {
    if (sample.quality == v1::QUALITY_BAD) return;
    const std::int64_t start = WindowStart(CaptureNs(sample), config_.window_ns);
    std::optional<Window>& open = windows_[InputKey(sample)];
    if (open && start < open->start_ns) {
      // Windows already reported cannot take a late sample back.
      spdlog::debug("aggregate {}: sample of {} before the open window dropped", context_.id,
                    InputKey(sample));
      return;
    }
    if (open && start > open->start_ns) Close(open);
    if (!open) open = Open(sample, start);
    Add(*open, sample);
  }

  void OnTick(std::int64_t monotonic_ns) override {
    if (config_.flush_after_ns == 0) return;
    for (auto& [key, open] : windows_) {
      if (open && monotonic_ns - open->last_seen_monotonic_ns >= config_.flush_after_ns) {
        Close(open);
      }
    }
  }

 private:
  Window Open(const Sample& sample, std::int64_t start) const {
    Window w;
    w.start_ns = start;
    w.energy = config_.averaging == "energy" ||
               (config_.averaging == "auto" && IsDecibelUnit(sample.unit));
    w.channel = std::string(sample.channel);
    w.unit = std::string(sample.unit);
    w.driver = std::string(sample.source);
    w.min = w.max = sample.value;
    return w;
  }

  void Add(Window& w, const Sample& sample) const {
    ++w.count;
    w.min = std::min(w.min, sample.value);
    w.max = std::max(w.max, sample.value);
    w.sum += w.energy ? DbToEnergy(sample.value) : sample.value;
    w.last = sample.value;
    w.last_capture = *sample.capture_time;
    w.last_seen_monotonic_ns = context_.clock->MonotonicNs();
  }

  void Close(std::optional<Window>& open) {
    const Window& w = *open;
    v1::Event event = MakeEvent(context_, w.driver, w.last_capture, v1::PRIORITY_CLASS_TELEMETRY);
    v1::Aggregate* a = event.mutable_aggregate();
    a->set_channel(w.channel);
    a->set_unit(w.unit);
    a->set_window_start_unix_ns(w.start_ns);
    a->set_window_end_unix_ns(w.start_ns + config_.window_ns);
    a->set_count(w.count);
    a->set_min(w.min);
    a->set_max(w.max);
    a->set_mean(w.energy ? EnergyMeanDb(w.sum, w.count) : w.sum / w.count);
    a->set_last(w.last);
    Emit(context_, std::move(event));
    open.reset();
  }

  const Config config_;
  const Context context_;
  std::map<std::string, std::optional<Window>> windows_;
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
        return std::make_unique<AggregatePipeline>(std::move(config), std::move(context));
      },
  };
}

}  // namespace cityedge::pipelines::aggregate
