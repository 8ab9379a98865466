// SPDX-License-Identifier: Apache-2.0
#include "pipelines/noise_leq/noise_leq.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "pipelines/framework.hpp"
#include "pipelines/tumbling_windows.hpp"

namespace cityedge::pipelines::noise_leq {
namespace {

using config::SettingType;

config::SettingsSchema Schema() { return {WindowSetting(), FlushAfterSetting()}; }

// Nearest rank of the p-th percentile (0 < p <= 100) in ascending `sorted`.
double Percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size() - 1e-9));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

struct Window {
  std::vector<double> levels;
  std::string driver;
  v1::Timestamp last_capture;
};

using Span = TumblingWindows<Window>::Span;

class NoiseLeqPipeline final : public Pipeline {
 public:
  NoiseLeqPipeline(std::int64_t window_ns, std::int64_t flush_after_ns, Context context)
      : windows_(window_ns, flush_after_ns,
                 [this](const Window& w, Span span) { Report(w, span); }),
        context_(std::move(context)) {}

  void OnSample(const Sample& sample) override {
    if (sample.quality == v1::QUALITY_BAD) return;
    Window* w = windows_.Route(sample, context_.clock->MonotonicNs(), [](const Sample& s) {
      return Window{{}, std::string(s.source), {}};
    });
    if (w == nullptr) return;  // a reported window is final
    w->levels.push_back(sample.value);
    w->last_capture = *sample.capture_time;
  }

  void OnTick(std::int64_t monotonic_ns) override { windows_.FlushQuiet(monotonic_ns); }

 private:
  void Report(const Window& w, Span span) {
    const Statistics s = Compute(w.levels);
    v1::Event event = MakeEvent(context_, w.driver, w.last_capture, v1::PRIORITY_CLASS_TELEMETRY);
    v1::NoiseLevel* n = event.mutable_noise_level();
    n->set_leq_dba(s.leq);
    n->set_lmax_dba(s.lmax);
    n->set_l10_dba(s.l10);
    n->set_l90_dba(s.l90);
    n->set_window_ms(static_cast<std::uint32_t>((span.end_ns - span.start_ns) / kNsPerMs));
    n->set_samples(static_cast<std::uint32_t>(w.levels.size()));
    Emit(context_, std::move(event));
  }

  TumblingWindows<Window> windows_;
  const Context context_;
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
