// SPDX-License-Identifier: Apache-2.0
#include "pipelines/threshold/threshold.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "pipelines/framework.hpp"

namespace cityedge::pipelines::threshold {
namespace {

using config::SettingType;
using Kind = v1::ThresholdAlert::Kind;

config::SettingsSchema Schema() {
  return {
      Setting("high", SettingType::kDouble,
              "Raise when the value goes above this; unset: no high limit"),
      Setting("low", SettingType::kDouble,
              "Raise when the value goes below this; unset: no low limit"),
      Setting("hysteresis", SettingType::kDouble,
              "A high alert clears at or below high - hysteresis, a low one at or above "
              "low + hysteresis (unit of the input)")
          .Default("0")
          .Min(0),
      Setting("debounce_samples", SettingType::kInt,
              "Consecutive samples a condition must hold before it raises or clears")
          .Default("1")
          .Min(1)
          .Max(100000),
      Setting("debounce", SettingType::kDuration,
              "Capture time a condition must hold before it raises or clears (together "
              "with debounce_samples)")
          .Default("0s")
          .Min(0)
          .Unit("ms"),
      Setting("stale_after", SettingType::kDuration,
              "Raise a stale alert when an input sends nothing for this long; 0: off")
          .Default("0s")
          .Min(0)
          .Unit("ms"),
  };
}

struct Config {
  std::optional<double> high;
  std::optional<double> low;
  double hysteresis = 0;
  std::int64_t debounce_samples = 1;
  std::int64_t debounce_ns = 0;
  std::int64_t stale_after_ns = 0;
};

Result<Config> ParseConfig(const config::Settings& settings) {
  Config c;
  if (settings.Has("high")) c.high = settings.GetDouble("high");
  if (settings.Has("low")) c.low = settings.GetDouble("low");
  c.hysteresis = settings.GetDouble("hysteresis");
  c.debounce_samples = settings.GetInt("debounce_samples");
  c.debounce_ns = settings.GetInt("debounce") * kNsPerMs;
  c.stale_after_ns = settings.GetInt("stale_after") * kNsPerMs;
  if (!c.high && !c.low && c.stale_after_ns == 0) {
    return MakeError(Code::kInvalidArgument,
                     "threshold: nothing to watch; set high, low or stale_after");
  }
  if (c.high && c.low && *c.low + c.hysteresis >= *c.high - c.hysteresis) {
    return MakeError(Code::kInvalidArgument,
                     "threshold: low + hysteresis ({}) must stay below high - hysteresis ({}) "
                     "or the two alerts would clear each other",
                     *c.low + c.hysteresis, *c.high - c.hysteresis);
  }
  return c;
}

// One limit with its debounce state. A run is a stretch of consecutive samples
// that point toward the other state; it changes state only when it has lasted
// both debounce_samples and debounce, so a single spike never raises and a
// single dip never clears.
class LimitTracker {
 public:
  LimitTracker(Kind kind, double limit, const Config& config)
      : kind_(kind), limit_(limit), config_(&config) {}

  std::optional<v1::ThresholdAlert> Update(double value, std::int64_t t_ns) {
    if (!(raised_ ? Clears(value) : Raises(value))) {
      run_samples_ = 0;
      return std::nullopt;
    }
    if (run_samples_++ == 0) run_start_ns_ = t_ns;
    if (run_samples_ < config_->debounce_samples || t_ns - run_start_ns_ < config_->debounce_ns) {
      return std::nullopt;
    }
    raised_ = !raised_;
    run_samples_ = 0;
    v1::ThresholdAlert alert;
    alert.set_kind(kind_);
    alert.set_state(raised_ ? v1::ALERT_STATE_RAISED : v1::ALERT_STATE_CLEARED);
    alert.set_value(value);
    alert.set_limit(limit_);
    alert.set_since_unix_ns(run_start_ns_);
    return alert;
  }

 private:
  [[nodiscard]] bool Raises(double v) const {
    return kind_ == v1::ThresholdAlert::KIND_HIGH ? v > limit_ : v < limit_;
  }
  [[nodiscard]] bool Clears(double v) const {
    return kind_ == v1::ThresholdAlert::KIND_HIGH ? v <= limit_ - config_->hysteresis
                                                  : v >= limit_ + config_->hysteresis;
  }

  Kind kind_;
  double limit_;
  const Config* config_;
  bool raised_ = false;
  std::int64_t run_samples_ = 0;
  std::int64_t run_start_ns_ = 0;
};

struct InputState {
  std::optional<LimitTracker> high;
  std::optional<LimitTracker> low;
  std::int64_t last_seen_monotonic_ns = 0;
  std::int64_t last_capture_ns = 0;  // 0: never heard from
  bool stale = false;
};

class ThresholdPipeline final : public Pipeline {
 public:
  ThresholdPipeline(Config config, Context context)
      : config_(std::move(config)), context_(std::move(context)) {
    // Configured inputs start their silence clock now, so one that never sends
    // anything goes stale too.
    for (const std::string& input : context_.inputs) State(input);
  }

  void OnSample(const Sample& sample) override {
    InputState& state = State(InputKey(sample));
    state.last_seen_monotonic_ns = context_.clock->MonotonicNs();
    if (state.stale) {
      state.stale = false;
      EmitStale(sample, v1::ALERT_STATE_CLEARED, state);
    }
    state.last_capture_ns = CaptureNs(sample);
    // A value the driver knows is wrong must not raise or clear a limit.
    if (sample.quality == v1::QUALITY_BAD) return;
    for (auto* tracker : {&state.high, &state.low}) {
      if (!*tracker) continue;
      if (auto alert = (*tracker)->Update(sample.value, CaptureNs(sample))) {
        alert->set_channel(std::string(sample.channel));
        alert->set_unit(std::string(sample.unit));
        v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
        *event.mutable_threshold_alert() = std::move(*alert);
        Emit(context_, std::move(event));
      }
    }
  }

  void OnTick(std::int64_t monotonic_ns) override {
    if (config_.stale_after_ns == 0) return;
    for (auto& [input, state] : inputs_) {
      if (state.stale || monotonic_ns - state.last_seen_monotonic_ns < config_.stale_after_ns) {
        continue;
      }
      state.stale = true;
      v1::Event event = MakeTimerEvent(context_, input, v1::PRIORITY_CLASS_ALARM);
      v1::ThresholdAlert* alert = event.mutable_threshold_alert();
      const auto slash = input.find('/');
      alert->set_channel(slash == std::string::npos ? input : input.substr(slash + 1));
      alert->set_kind(v1::ThresholdAlert::KIND_STALE);
      alert->set_state(v1::ALERT_STATE_RAISED);
      alert->set_value(static_cast<double>(monotonic_ns - state.last_seen_monotonic_ns) /
                       kNsPerSecond);
      alert->set_limit(static_cast<double>(config_.stale_after_ns) / kNsPerSecond);
      alert->set_unit("s");
      alert->set_since_unix_ns(state.last_capture_ns);
      Emit(context_, std::move(event));
    }
  }

 private:
  InputState& State(const std::string& key) {
    auto [it, inserted] = inputs_.try_emplace(key);
    if (inserted) {
      if (config_.high)
        it->second.high.emplace(v1::ThresholdAlert::KIND_HIGH, *config_.high, config_);
      if (config_.low) it->second.low.emplace(v1::ThresholdAlert::KIND_LOW, *config_.low, config_);
      it->second.last_seen_monotonic_ns = context_.clock->MonotonicNs();
    }
    return it->second;
  }

  // Clearing a stale alert: value is how long the input was silent (s), since
  // is the capture time of the sample that ended the silence.
  void EmitStale(const Sample& sample, v1::AlertState state, const InputState& input) {
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
    v1::ThresholdAlert* alert = event.mutable_threshold_alert();
    alert->set_channel(std::string(sample.channel));
    alert->set_kind(v1::ThresholdAlert::KIND_STALE);
    alert->set_state(state);
    alert->set_value(input.last_capture_ns == 0
                         ? 0.0
                         : static_cast<double>(CaptureNs(sample) - input.last_capture_ns) /
                               kNsPerSecond);
    alert->set_limit(static_cast<double>(config_.stale_after_ns) / kNsPerSecond);
    alert->set_unit("s");
    alert->set_since_unix_ns(CaptureNs(sample));
    Emit(context_, std::move(event));
  }

  const Config config_;
  const Context context_;
  std::map<std::string, InputState> inputs_;
};

}  // namespace

PipelineType Type() {
  return {
      .name = "threshold",
      .description = "High/low limit alerts with hysteresis and debounce, and stale-input alerts",
      .schema = Schema(),
      .create = CreateFromSettings<ThresholdPipeline, ParseConfig>,
  };
}

}  // namespace cityedge::pipelines::threshold
