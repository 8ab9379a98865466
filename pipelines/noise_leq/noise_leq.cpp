#include "pipelines/noise_leq/noise_leq.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "pipelines/framework.hpp"

namespace cityedge::pipelines::noise_leq {
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
      Setting("flush_after", SettingType::kDuration,
              "Close an open window when its input sent nothing for this long (gateway "
              "monotonic time); 0: only the next window's first sample closes it")
          .Default("0s")
          .Min(0)
          .Unit("ms"),
  };
}

// Nearest rank of the p-th percentile (0 < p <= 100) in ascending `sorted`.
double Percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size() - 1e-9));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

struct Window {
  std::int64_t start_ns = 0;
  std::vector<double> levels;
  std::string driver;
  v1::Timestamp last_capture;
  std::int64_t last_seen_monotonic_ns = 0;
};

class NoiseLeqPipeline final : public Pipeline {
 public:
  NoiseLeqPipeline(std::int64_t window_ns, std::int64_t flush_after_ns, Context context)
      : window_ns_(window_ns), flush_after_ns_(flush_after_ns), context_(std::move(context)) {}

  void OnSample(const Sample& sample) override {
    if (sample.quality == v1::QUALITY_BAD) return;
    const std::int64_t start = WindowStart(CaptureNs(sample), window_ns_);
    std::optional<Window>& open = windows_[InputKey(sample)];
    if (open && start < open->start_ns) return;  // a reported window is final
    if (open && start > open->start_ns) Close(open);
    if (!open) {
      open.emplace();
      open->start_ns = start;
      open->driver = std::string(sample.source);
    }
    open->levels.push_back(sample.value);
    open->last_capture = *sample.capture_time;
    open->last_seen_monotonic_ns = context_.clock->MonotonicNs();
  }

  void OnTick(std::int64_t monotonic_ns) override {
    if (flush_after_ns_ == 0) return;
    for (auto& [key, open] : windows_) {
      if (open && monotonic_ns - open->last_seen_monotonic_ns >= flush_after_ns_) Close(open);
    }
  }

 private:
  void Close(std::optional<Window>& open) {
    const Statistics s = Compute(open->levels);
    v1::Event event =
        MakeEvent(context_, open->driver, open->last_capture, v1::PRIORITY_CLASS_TELEMETRY);
    v1::NoiseLevel* n = event.mutable_noise_level();
    n->set_leq_dba(s.leq);
    n->set_lmax_dba(s.lmax);
    n->set_l10_dba(s.l10);
    n->set_l90_dba(s.l90);
    n->set_window_ms(static_cast<std::uint32_t>(window_ns_ / kNsPerMs));
    n->set_samples(static_cast<std::uint32_t>(open->levels.size()));
    Emit(context_, std::move(event));
    open.reset();
  }

  const std::int64_t window_ns_;
  const std::int64_t flush_after_ns_;
  const Context context_;
  std::map<std::string, std::optional<Window>> windows_;
};

}  // namespace

Statistics Compute(std::vector<double> levels) {
  std::sort(levels.begin(), levels.end());
  double energy = 0;
  for (double l : levels) energy += DbToEnergy(l);
  return {.leq = EnergyMeanDb(energy, levels.size()),
          .lmax = levels.back(),
          .l10 = Percentile(levels, 90),
          .l90 = Percentile(levels, 10)};
}

PipelineType Type() {
  return {
      .name = "noise_leq",
      .description = "Noise statistics per window: Leq, Lmax, L10, L90 (dB(A))",
      .schema = Schema(),
      .create = [](const config::Settings& settings,
                   Context context) -> Result<std::unique_ptr<Pipeline>> {
        return std::make_unique<NoiseLeqPipeline>(settings.GetInt("window") * kNsPerMs,
                                                  settings.GetInt("flush_after") * kNsPerMs,
                                                  std::move(context));
      },
  };
}

}  // namespace cityedge::pipelines::noise_leq
