// SPDX-License-Identifier: Apache-2.0
#include "pipelines/flood/flood.hpp"

#include <array>
#include <cmath>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "pipelines/framework.hpp"

namespace cityedge::pipelines::flood {
namespace {

using config::SettingType;
using Kind = v1::FloodAlert::Kind;

constexpr const char* kLevelNames[] = {"none", "blue", "yellow", "orange", "red"};

config::SettingsSchema Schema() {
  config::SettingsSchema schema;
  for (int i = 1; i <= 4; ++i) {
    schema.push_back(
        Setting(kLevelNames[i], SettingType::kDouble,
                fmt::format("Water level at which the {} warning is raised", kLevelNames[i]))
            .Required()
            .Unit("m"));
  }
  const config::SettingsSchema rest = {
      Setting("hysteresis", SettingType::kDouble,
              "A warning clears when the water falls this far below its level")
          .Default("0.05")
          .Min(0)
          .Unit("m"),
      Setting("rise_rate_alarm", SettingType::kDouble,
              "Early warning when the water rises faster than this over rise_window; 0: off")
          .Default("0")
          .Min(0)
          .Unit("m/h"),
      Setting("rise_rate_hysteresis", SettingType::kDouble,
              "The rate warning clears below rise_rate_alarm minus this")
          .Default("0")
          .Min(0)
          .Unit("m/h"),
      Setting("rise_window", SettingType::kDuration, "Window the rate of rise is measured over")
          .Default("15m")
          .Min(60'000)
          .Unit("ms"),
      Setting("stuck_samples", SettingType::kInt,
              "Sensor fault when this many consecutive samples stay within stuck_tolerance; "
              "0: off")
          .Default("0")
          .Min(0),
      Setting("stuck_tolerance", SettingType::kDouble,
              "Largest change still counted as the same value for stuck_samples")
          .Default("0")
          .Min(0)
          .Unit("m"),
      Setting("max_rise_rate", SettingType::kDouble,
              "Sensor fault when the level changes faster than water physically can here "
              "(either direction); 0: off")
          .Default("0")
          .Min(0)
          .Unit("m/h"),
  };
  schema.insert(schema.end(), rest.begin(), rest.end());
  return schema;
}

struct Config {
  std::array<double, 4> thresholds{};  // blue, yellow, orange, red
  double hysteresis = 0;
  double rise_rate_alarm = 0;
  double rise_rate_hysteresis = 0;
  std::int64_t rise_window_ns = 0;
  std::int64_t stuck_samples = 0;
  double stuck_tolerance = 0;
  double max_rise_rate = 0;
};

v1::FloodLevel Wire(int level) { return static_cast<v1::FloodLevel>(level + 1); }

double HoursBetween(std::int64_t from_ns, std::int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / kNsPerHour;
}

struct Point {
  std::int64_t t_ns;
  double v;
};

class FloodPipeline final : public Pipeline {
 public:
  FloodPipeline(Config config, Context context) : config_(config), context_(std::move(context)) {}

  void OnSample(const Sample& sample) override {
    if (sample.quality == v1::QUALITY_BAD) return;
    if (Implausible(sample) || Stuck(sample)) return;  // no level judged on a faulty sensor
    last_good_ = Point{CaptureNs(sample), sample.value};
    UpdateLevel(sample);
    UpdateRate(sample);
  }

 private:
  v1::FloodAlert* NewAlert(v1::Event& event, Kind kind, v1::AlertState state,
                           const Sample& sample) const {
    v1::FloodAlert* a = event.mutable_flood_alert();
    a->set_kind(kind);
    a->set_state(state);
    a->set_level(Wire(level_));
    a->set_previous_level(Wire(level_));
    a->set_water_level_m(sample.value);
    return a;
  }

  void Send(v1::Event event) { Emit(context_, std::move(event)); }

  // A jump faster than max_rise_rate from the last plausible value is a fault.
  // Later samples are measured against that same value, so a sensor that
  // really moved is accepted again once the elapsed time makes it plausible.
  bool Implausible(const Sample& sample) {
    if (config_.max_rise_rate == 0 || !last_good_) return false;
    const double dh = HoursBetween(last_good_->t_ns, CaptureNs(sample));
    if (dh <= 0) return true;  // not after the last plausible sample: cannot judge
    const double rate = (sample.value - last_good_->v) / dh;
    const bool implausible = std::abs(rate) > config_.max_rise_rate;
    if (implausible == spike_fault_) return implausible;
    spike_fault_ = implausible;
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
    v1::FloodAlert* a =
        NewAlert(event, v1::FloodAlert::KIND_SENSOR_FAULT,
                 implausible ? v1::ALERT_STATE_RAISED : v1::ALERT_STATE_CLEARED, sample);
    a->set_rate_of_rise_m_per_h(rate);
    a->set_since_unix_ns(implausible ? CaptureNs(sample) : spike_since_ns_);
    a->set_detail(fmt::format(
        "{}: {:.3f} m at {} after {:.3f} m at {} is {:+.2f} m/h; the physical limit is {:.2f} "
        "m/h",
        implausible ? "implausible jump" : "plausible again", sample.value,
        FormatUtc(CaptureNs(sample)), last_good_->v, FormatUtc(last_good_->t_ns), rate,
        config_.max_rise_rate));
    spike_since_ns_ = CaptureNs(sample);
    Send(std::move(event));
    return implausible;
  }

  bool Stuck(const Sample& sample) {
    if (config_.stuck_samples == 0) return false;
    if (stuck_count_ > 0 && std::abs(sample.value - stuck_value_) <= config_.stuck_tolerance) {
      ++stuck_count_;
    } else {
      if (stuck_fault_) EmitStuck(sample, v1::ALERT_STATE_CLEARED);
      stuck_fault_ = false;
      stuck_value_ = sample.value;
      stuck_count_ = 1;
      stuck_since_ns_ = CaptureNs(sample);
    }
    if (!stuck_fault_ && stuck_count_ >= config_.stuck_samples) {
      stuck_fault_ = true;
      EmitStuck(sample, v1::ALERT_STATE_RAISED);
    }
    return stuck_fault_;
  }

  void EmitStuck(const Sample& sample, v1::AlertState state) {
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
    v1::FloodAlert* a = NewAlert(event, v1::FloodAlert::KIND_SENSOR_FAULT, state, sample);
    a->set_since_unix_ns(stuck_since_ns_);
    a->set_detail(state == v1::ALERT_STATE_RAISED
                      ? fmt::format("stuck at {:.3f} m for {} samples since {}", stuck_value_,
                                    stuck_count_, FormatUtc(stuck_since_ns_))
                      : fmt::format("moving again: {:.3f} m after {} samples at {:.3f} m",
                                    sample.value, stuck_count_, stuck_value_));
    Send(std::move(event));
  }

  void UpdateLevel(const Sample& sample) {
    const double v = sample.value;
    const auto& thr = config_.thresholds;
    int level = level_;
    while (level < 4 && v >= thr[level]) ++level;
    // Falling may pass several levels at once, each by its own hysteresis.
    if (level == level_) {
      while (level > 0 && v < thr[level - 1] - config_.hysteresis) --level;
    }
    if (level == level_) return;
    const bool up = level > level_;
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
    v1::FloodAlert* a = NewAlert(event, v1::FloodAlert::KIND_LEVEL,
                                 up ? v1::ALERT_STATE_RAISED : v1::ALERT_STATE_CLEARED, sample);
    const int crossed = up ? level : level_;  // the warning level whose line was crossed
    a->set_level(Wire(level));
    a->set_threshold_m(thr[crossed - 1]);
    a->set_since_unix_ns(up ? CaptureNs(sample) : level_since_ns_);
    a->set_detail(
        up ? fmt::format("water {:.3f} m reached {} ({:.3f} m) at {}", v, kLevelNames[level],
                         thr[level - 1], FormatUtc(CaptureNs(sample)))
           : fmt::format("water {:.3f} m fell below {} ({:.3f} m - {:.3f} m hysteresis) at {}; "
                         "{} since {}",
                         v, kLevelNames[level_], thr[level_ - 1], config_.hysteresis,
                         FormatUtc(CaptureNs(sample)), kLevelNames[level_],
                         FormatUtc(level_since_ns_)));
    level_ = level;
    level_since_ns_ = CaptureNs(sample);
    Send(std::move(event));
  }

  void UpdateRate(const Sample& sample) {
    if (config_.rise_rate_alarm == 0) return;
    const std::int64_t t = CaptureNs(sample);
    history_.push_back({t, sample.value});
    while (history_.size() > 1 && t - history_[1].t_ns >= config_.rise_window_ns) {
      history_.pop_front();
    }
    // Too short a baseline turns gauge noise into a rate.
    if (t - history_.front().t_ns < config_.rise_window_ns / 2) return;
    const double rate =
        (sample.value - history_.front().v) / HoursBetween(history_.front().t_ns, t);
    const bool raise = !rate_alarm_ && rate >= config_.rise_rate_alarm;
    const bool clear = rate_alarm_ && rate < config_.rise_rate_alarm - config_.rise_rate_hysteresis;
    if (!raise && !clear) return;
    rate_alarm_ = raise;
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
    v1::FloodAlert* a = NewAlert(event, v1::FloodAlert::KIND_RATE_OF_RISE,
                                 raise ? v1::ALERT_STATE_RAISED : v1::ALERT_STATE_CLEARED, sample);
    a->set_rate_of_rise_m_per_h(rate);
    a->set_since_unix_ns(raise ? history_.front().t_ns : rate_since_ns_);
    a->set_detail(fmt::format("{:+.3f} m since {} is {:.2f} m/h; warning at {:.2f} m/h",
                              sample.value - history_.front().v, FormatUtc(history_.front().t_ns),
                              rate, config_.rise_rate_alarm));
    rate_since_ns_ = history_.front().t_ns;
    Send(std::move(event));
  }

  const Config config_;
  const Context context_;
  int level_ = 0;  // 0 none, 1 blue .. 4 red
  std::int64_t level_since_ns_ = 0;
  std::optional<Point> last_good_;
  bool spike_fault_ = false;
  std::int64_t spike_since_ns_ = 0;
  bool stuck_fault_ = false;
  double stuck_value_ = 0;
  std::int64_t stuck_count_ = 0;
  std::int64_t stuck_since_ns_ = 0;
  std::deque<Point> history_;
  bool rate_alarm_ = false;
  std::int64_t rate_since_ns_ = 0;
};

Result<Config> ParseConfig(const config::Settings& settings) {
  Config c;
  for (int i = 0; i < 4; ++i) c.thresholds[i] = settings.GetDouble(kLevelNames[i + 1]);
  for (int i = 1; i < 4; ++i) {
    if (c.thresholds[i] <= c.thresholds[i - 1]) {
      return MakeError(Code::kInvalidArgument,
                       "flood: levels must rise: {} ({} m) is not above {} ({} m)",
                       kLevelNames[i + 1], c.thresholds[i], kLevelNames[i], c.thresholds[i - 1]);
    }
  }
  c.hysteresis = settings.GetDouble("hysteresis");
  c.rise_rate_alarm = settings.GetDouble("rise_rate_alarm");
  c.rise_rate_hysteresis = settings.GetDouble("rise_rate_hysteresis");
  c.rise_window_ns = settings.GetInt("rise_window") * kNsPerMs;
  c.stuck_samples = settings.GetInt("stuck_samples");
  c.stuck_tolerance = settings.GetDouble("stuck_tolerance");
  c.max_rise_rate = settings.GetDouble("max_rise_rate");
  return c;
}

}  // namespace

PipelineType Type() {
  return {
      .name = "flood",
      .description = "Water level warnings (blue/yellow/orange/red), rate of rise, sensor faults",
      .schema = Schema(),
      .create = [](const config::Settings& settings,
                   Context context) -> Result<std::unique_ptr<Pipeline>> {
        auto config = ParseConfig(settings);
        if (!config) return std::unexpected(config.error());
        return std::make_unique<FloodPipeline>(*config, std::move(context));
      },
  };
}

}  // namespace cityedge::pipelines::flood
