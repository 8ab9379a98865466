// SPDX-License-Identifier: Apache-2.0
#include "pipelines/rainfall/rainfall.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "pipelines/framework.hpp"

namespace cityedge::pipelines::rainfall {
namespace {

using config::SettingType;
using Kind = v1::RainstormAlert::Kind;

constexpr std::int64_t kNsPerMinute = 60 * kNsPerSecond;
constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kRingMinutes = 24 * 60;  // the longest window kept
constexpr std::int64_t kTotalsMinutes[] = {60, 3 * 60, 6 * 60, 12 * 60, 24 * 60};

constexpr const char* kSignalNames[] = {"none", "blue", "yellow", "orange", "red"};
// China Meteorological Administration's rainstorm signals, on observed rain.
constexpr const char* kDefaultMm[] = {"50", "50", "50", "100"};
constexpr const char* kDefaultWindows[] = {"12h", "6h", "3h", "3h"};

config::SettingsSchema Schema() {
  config::SettingsSchema schema = {
      Setting("input", SettingType::kEnum,
              "cumulative: a running total (counter resets and rollovers are detected); "
              "increment: the amount since the previous sample")
          .Default("increment")
          .Allowed({"cumulative", "increment"}),
      Setting("mm_per_tip", SettingType::kDouble,
              "Millimetres per unit of the input: the bucket size when the gauge counts tips, "
              "1 when it reports mm")
          .Default("1")
          .Min(0)
          .Unit("mm"),
      Setting("rollover", SettingType::kDouble,
              "cumulative: the counter wraps to 0 on reaching this value (input units); 0: never")
          .Default("0")
          .Min(0),
  };
  for (int i = 1; i <= 4; ++i) {
    schema.push_back(Setting(fmt::format("{}_mm", kSignalNames[i]), SettingType::kDouble,
                             fmt::format("Rain over {}_window that raises the {} signal",
                                         kSignalNames[i], kSignalNames[i]))
                         .Default(kDefaultMm[i - 1])
                         .Min(0)
                         .Unit("mm"));
    schema.push_back(
        Setting(fmt::format("{}_window", kSignalNames[i]), SettingType::kDuration,
                fmt::format("Window {}_mm is measured over (whole minutes)", kSignalNames[i]))
            .Default(kDefaultWindows[i - 1])
            .Min(kMsPerMinute)
            .Max(static_cast<double>(kRingMinutes * kMsPerMinute))
            .Unit("ms"));
  }
  const config::SettingsSchema rest = {
      Setting("hysteresis", SettingType::kDouble,
              "A signal's criterion lapses when its rain falls this far below its threshold")
          .Default("5")
          .Min(0)
          .Unit("mm"),
      Setting("clear_after", SettingType::kDuration,
              "A signal steps down once its criterion has lapsed for this long")
          .Default("1h")
          .Min(kMsPerMinute)
          .Max(static_cast<double>(kRingMinutes * kMsPerMinute))
          .Unit("ms"),
      Setting("dry_mm", SettingType::kDouble,
              "Every signal is lifted once less than this fell over the last clear_after (the "
              "rain has stopped), whatever the window totals; 0: off")
          .Default("1")
          .Min(0)
          .Unit("mm"),
      Setting("intensity_window", SettingType::kDuration,
              "Window the current intensity is measured over (whole minutes)")
          .Default("10m")
          .Min(kMsPerMinute)
          .Max(60 * kMsPerMinute)
          .Unit("ms"),
      Setting("max_intensity", SettingType::kDouble,
              "Sensor fault when a sample's rain, over the time since the previous one (at least "
              "a minute), is faster than rain can fall; the amount is not counted; 0: off")
          .Default("600")
          .Min(0)
          .Unit("mm/h"),
      Setting("silent_after", SettingType::kDuration,
              "Sensor fault when the gauge sends nothing for this long; 0: off (a gauge that "
              "reports only on tips is silent whenever it is dry)")
          .Default("0s")
          .Min(0)
          .Unit("ms"),
      Setting("summary_interval", SettingType::kDuration,
              "A rainfall summary on the first sample of each interval of capture time; 0: off")
          .Default("10m")
          .Min(0)
          .Unit("ms"),
  };
  schema.insert(schema.end(), rest.begin(), rest.end());
  return schema;
}

struct Criterion {
  double mm = 0;
  std::int64_t minutes = 0;
};

struct Config {
  bool cumulative = false;
  double mm_per_tip = 1;
  double rollover = 0;
  std::array<Criterion, 4> criteria{};  // blue, yellow, orange, red
  double hysteresis = 0;
  std::int64_t clear_after_ns = 0;
  double dry_mm = 0;
  std::int64_t intensity_minutes = 0;
  double max_intensity = 0;
  std::int64_t silent_after_ns = 0;
  std::int64_t summary_interval_ns = 0;
};

v1::RainstormSignal Wire(int level) { return static_cast<v1::RainstormSignal>(level + 1); }

std::int64_t MinuteOf(std::int64_t t_ns) { return WindowStart(t_ns, kNsPerMinute) / kNsPerMinute; }

std::string Hours(std::int64_t minutes) {
  return minutes % 60 == 0 ? fmt::format("{} h", minutes / 60) : fmt::format("{} min", minutes);
}

// Rain per minute of capture time over the last 24 h: memory stays fixed
// whatever the sample rate, and every window is a sum over the same buckets.
class MinuteRing {
 public:
  // Spreads `mm` evenly over the minutes of (from_ns, to_ns]: a total that
  // covers a silent hour fell somewhere in that hour, not all in its last
  // minute. Without `from_ns`, or for a sample in the same minute as the
  // previous one, it all goes to to_ns's minute.
  void Add(std::optional<std::int64_t> from_ns, std::int64_t to_ns, double mm) {
    const std::int64_t last = MinuteOf(to_ns);
    const std::int64_t n =
        from_ns ? std::clamp<std::int64_t>(last - MinuteOf(*from_ns), 1, kRingMinutes) : 1;
    for (std::int64_t m = last - n + 1; m <= last; ++m) AddToMinute(m, mm / n);
  }

  // Rain in the `minutes` minutes ending with minute `end` (inclusive).
  [[nodiscard]] double Sum(std::int64_t end, std::int64_t minutes) const {
    double sum = 0;
    for (std::int64_t m = end - minutes + 1; m <= end; ++m) {
      const Bucket& b = buckets_[Index(m)];
      if (b.minute == m) sum += b.mm;
    }
    return sum;
  }

 private:
  struct Bucket {
    std::int64_t minute = std::numeric_limits<std::int64_t>::min();
    double mm = 0;
  };

  static std::size_t Index(std::int64_t minute) {
    return static_cast<std::size_t>(((minute % kRingMinutes) + kRingMinutes) % kRingMinutes);
  }

  void AddToMinute(std::int64_t minute, double mm) {
    Bucket& b = buckets_[Index(minute)];
    if (b.minute > minute) return;  // older than the ring holds
    if (b.minute < minute) b = {minute, 0};
    b.mm += mm;
  }

  std::array<Bucket, kRingMinutes> buckets_{};
};

class RainfallPipeline final : public Pipeline {
 public:
  RainfallPipeline(Config config, Context context)
      : config_(config), context_(std::move(context)) {}

  void OnSample(const Sample& sample) override {
    if (sample.quality == v1::QUALITY_BAD) return;
    const std::int64_t t = CaptureNs(sample);
    // A sample captured no later than the newest one is a duplicate or came
    // out of order: counted, its rain would count twice, or an older counter
    // value would look like a reset.
    if (newest_ns_ && t <= *newest_ns_) {
      ++out_of_order_;
      return;
    }
    NoteArrival(sample);
    if (auto rain = Measure(sample)) ring_.Add(rain->from_ns, t, rain->mm);
    newest_ns_ = std::max(newest_ns_.value_or(t), t);
    UpdateSignal(sample);
    MaybeSummary(sample);
  }

  void OnTick(std::int64_t monotonic_ns) override {
    if (config_.silent_after_ns == 0 || silent_ || !last_capture_ns_) return;
    if (monotonic_ns - last_seen_monotonic_ns_ < config_.silent_after_ns) return;
    silent_ = true;
    v1::Event event =
        MakeTimerEvent(context_, context_.inputs.empty() ? std::string() : context_.inputs.front(),
                       v1::PRIORITY_CLASS_ALARM);
    v1::RainstormAlert* a =
        NewAlert(event, v1::RainstormAlert::KIND_SILENT, v1::ALERT_STATE_RAISED, *newest_ns_);
    a->set_since_unix_ns(*last_capture_ns_);
    a->set_detail(fmt::format("gauge silent: nothing for {} s; the last sample was captured at {}",
                              (monotonic_ns - last_seen_monotonic_ns_) / kNsPerSecond,
                              FormatUtc(*last_capture_ns_)));
    Emit(context_, std::move(event));
  }

 private:
  struct Rain {
    std::optional<std::int64_t> from_ns;  // start of the interval it fell in, if known
    double mm = 0;
  };

  struct CounterReading {
    double value = 0;
    std::int64_t t_ns = 0;
  };

  // The totals at minute `at_ns` and the signal in force.
  v1::RainstormAlert* NewAlert(v1::Event& event, Kind kind, v1::AlertState state,
                               std::int64_t at_ns) const {
    v1::RainstormAlert* a = event.mutable_rainstorm_alert();
    a->set_kind(kind);
    a->set_state(state);
    a->set_signal(Wire(level_));
    a->set_previous_signal(Wire(level_));
    FillTotals(a->mutable_totals(), at_ns);
    return a;
  }

  void FillTotals(v1::RainTotals* totals, std::int64_t at_ns) const {
    const std::int64_t end = MinuteOf(at_ns);
    totals->set_last_1h_mm(ring_.Sum(end, kTotalsMinutes[0]));
    totals->set_last_3h_mm(ring_.Sum(end, kTotalsMinutes[1]));
    totals->set_last_6h_mm(ring_.Sum(end, kTotalsMinutes[2]));
    totals->set_last_12h_mm(ring_.Sum(end, kTotalsMinutes[3]));
    totals->set_last_24h_mm(ring_.Sum(end, kTotalsMinutes[4]));
    totals->set_intensity_mm_per_h(ring_.Sum(end, config_.intensity_minutes) * 60.0 /
                                   static_cast<double>(config_.intensity_minutes));
  }

  // Silence is seen two ways: the timer raises it while the gauge is quiet
  // (live), and a gap in capture time shows it when the data arrives late or
  // is replayed; either way the sample that ends it clears it.
  void NoteArrival(const Sample& sample) {
    const std::int64_t t = CaptureNs(sample);
    last_seen_monotonic_ns_ = context_.clock->MonotonicNs();
    if (config_.silent_after_ns == 0 || !last_capture_ns_) {
      last_capture_ns_ = std::max(last_capture_ns_.value_or(t), t);
      return;
    }
    const std::int64_t gap = t - *last_capture_ns_;
    if (!silent_ && gap >= config_.silent_after_ns) {
      EmitSilent(sample, v1::ALERT_STATE_RAISED, gap);
      silent_ = true;
    }
    if (silent_) EmitSilent(sample, v1::ALERT_STATE_CLEARED, gap);
    silent_ = false;
    last_capture_ns_ = std::max(*last_capture_ns_, t);
  }

  void EmitSilent(const Sample& sample, v1::AlertState state, std::int64_t gap_ns) {
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
    v1::RainstormAlert* a =
        NewAlert(event, v1::RainstormAlert::KIND_SILENT, state, newest_ns_.value_or(0));
    a->set_since_unix_ns(*last_capture_ns_);
    a->set_detail(
        fmt::format("gauge {}: no sample captured between {} and {} ({} min; "
                    "silent_after {} min)",
                    state == v1::ALERT_STATE_RAISED ? "was silent" : "reporting again",
                    FormatUtc(*last_capture_ns_), FormatUtc(CaptureNs(sample)),
                    gap_ns / kNsPerMinute, config_.silent_after_ns / kNsPerMinute));
    Emit(context_, std::move(event));
  }

  bool Plausible(double mm, std::optional<std::int64_t> from_ns, std::int64_t to_ns) const {
    if (config_.max_intensity == 0) return true;
    const std::int64_t dt = from_ns ? std::max(to_ns - *from_ns, kNsPerMinute) : kNsPerMinute;
    return mm / (static_cast<double>(dt) / kNsPerHour) <= config_.max_intensity;
  }

  // The rain a sample adds, or nothing (a first cumulative reading, or an
  // amount judged implausible, which raises the fault instead).
  std::optional<Rain> Measure(const Sample& sample) {
    const std::int64_t t = CaptureNs(sample);
    const std::optional<Rain> rain =
        config_.cumulative ? FromCounter(sample) : FromIncrement(sample);
    if (!rain) return std::nullopt;
    const bool plausible = Plausible(rain->mm, rain->from_ns, t);
    if (plausible == implausible_) {
      implausible_ = !plausible;
      EmitImplausible(sample, *rain);
    }
    if (!config_.cumulative) return plausible ? rain : std::nullopt;
    if (!plausible) {
      pending_ = CounterReading{sample.value, t};
      return std::nullopt;
    }
    counter_ = CounterReading{sample.value, t};
    pending_.reset();
    return rain;
  }

  std::optional<Rain> FromIncrement(const Sample& sample) {
    const std::int64_t t = CaptureNs(sample);
    const std::optional<std::int64_t> from = previous_ns_;
    if (!previous_ns_ || t > *previous_ns_) previous_ns_ = t;
    if (sample.value < 0) return std::nullopt;  // not an amount of rain
    return Rain{from, sample.value * config_.mm_per_tip};
  }

  // The counter's rise since its last plausible reading. After an
  // implausible rise, a reading that rose plausibly from that implausible
  // one means the counter moved to a new origin (replaced, re-based) rather
  // than glitched: counting goes on from there. A fall is a rollover when
  // wrapping at `rollover` gives a plausible amount, otherwise a reset (the
  // counter restarted from 0, so its value is what fell since).
  std::optional<Rain> FromCounter(const Sample& sample) {
    const std::int64_t t = CaptureNs(sample);
    const double k = config_.mm_per_tip;
    if (!counter_) {
      counter_ = CounterReading{sample.value, t};
      return std::nullopt;
    }
    const CounterReading base = *counter_;
    if (sample.value >= base.value) {
      const double mm = (sample.value - base.value) * k;
      if (!Plausible(mm, base.t_ns, t) && pending_ && sample.value >= pending_->value &&
          Plausible((sample.value - pending_->value) * k, pending_->t_ns, t)) {
        return Rain{pending_->t_ns, (sample.value - pending_->value) * k};
      }
      return Rain{base.t_ns, mm};
    }
    const double wrapped = (sample.value + config_.rollover - base.value) * k;
    if (config_.rollover > 0 && wrapped >= 0 && Plausible(wrapped, base.t_ns, t)) {
      ++rollovers_;
      return Rain{base.t_ns, wrapped};
    }
    ++resets_;
    const double since_reset = std::max(sample.value, 0.0) * k;
    // A counter that restarted somewhere else than 0 tells nothing of the rain.
    return Rain{base.t_ns, Plausible(since_reset, base.t_ns, t) ? since_reset : 0.0};
  }

  void EmitImplausible(const Sample& sample, const Rain& rain) {
    const std::int64_t t = CaptureNs(sample);
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
    v1::RainstormAlert* a =
        NewAlert(event, v1::RainstormAlert::KIND_IMPLAUSIBLE_INTENSITY,
                 implausible_ ? v1::ALERT_STATE_RAISED : v1::ALERT_STATE_CLEARED, t);
    a->set_since_unix_ns(implausible_ ? t : implausible_since_ns_);
    const std::int64_t dt = rain.from_ns ? std::max(t - *rain.from_ns, kNsPerMinute) : kNsPerMinute;
    a->set_detail(fmt::format(
        "{}: {:.1f} mm in {} s at {} is {:.0f} mm/h; the limit is {:.0f} mm/h",
        implausible_ ? "implausible rain" : "plausible again", rain.mm, dt / kNsPerSecond,
        FormatUtc(t), rain.mm / (static_cast<double>(dt) / kNsPerHour), config_.max_intensity));
    implausible_since_ns_ = t;
    Emit(context_, std::move(event));
  }

  // Raised at once to the highest signal whose criterion is met; stepped
  // down to the highest signal whose criterion has not lapsed for
  // clear_after, or lifted when the rain has stopped.
  void UpdateSignal(const Sample& sample) {
    const std::int64_t t = *newest_ns_;
    const std::int64_t end = MinuteOf(t);
    std::array<double, 4> sums{};
    for (int i = 0; i < 4; ++i) sums[i] = ring_.Sum(end, config_.criteria[i].minutes);
    const bool dry = config_.dry_mm > 0 &&
                     ring_.Sum(end, config_.clear_after_ns / kNsPerMinute) < config_.dry_mm;
    int met = 0;
    for (int i = 0; i < 4 && !dry; ++i) {
      if (sums[i] >= config_.criteria[i].mm) met = i + 1;
    }
    for (int i = 0; i < 4; ++i) {
      const bool lapsed = sums[i] < config_.criteria[i].mm - config_.hysteresis;
      if (!lapsed || i + 1 > level_) {
        lapsed_since_[i].reset();
      } else if (!lapsed_since_[i]) {
        lapsed_since_[i] = t;
      }
    }
    if (met > level_) {
      ChangeSignal(sample, met, sums, false);
      return;
    }
    int standing = level_;
    if (dry) standing = 0;
    while (standing > 0 && lapsed_since_[standing - 1] &&
           t - *lapsed_since_[standing - 1] >= config_.clear_after_ns) {
      --standing;
    }
    if (standing < level_) ChangeSignal(sample, standing, sums, dry);
  }

  void ChangeSignal(const Sample& sample, int level, const std::array<double, 4>& sums, bool dry) {
    const std::int64_t t = *newest_ns_;
    const bool up = level > level_;
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_ALARM);
    v1::RainstormAlert* a = NewAlert(event, v1::RainstormAlert::KIND_SIGNAL,
                                     up ? v1::ALERT_STATE_RAISED : v1::ALERT_STATE_CLEARED, t);
    const int crossed = up ? level : level_;  // the signal whose criterion decided
    const Criterion& c = config_.criteria[crossed - 1];
    a->set_signal(Wire(level));
    a->set_threshold_mm(c.mm);
    a->set_window_s(static_cast<std::uint32_t>(c.minutes * 60));
    a->set_since_unix_ns(up ? t : level_since_ns_);
    a->set_detail(SignalDetail(level, sums, dry));
    level_ = level;
    level_since_ns_ = t;
    Emit(context_, std::move(event));
  }

  std::string SignalDetail(int level, const std::array<double, 4>& sums, bool dry) const {
    const std::int64_t t = *newest_ns_;
    if (level > level_) {
      const Criterion& c = config_.criteria[level - 1];
      return fmt::format("{:.1f} mm in {} reached {} ({:.1f} mm in {}) at {}", sums[level - 1],
                         Hours(c.minutes), kSignalNames[level], c.mm, Hours(c.minutes),
                         FormatUtc(t));
    }
    const std::string held =
        fmt::format("{} since {}", kSignalNames[level_], FormatUtc(level_since_ns_));
    const std::int64_t clear_minutes = config_.clear_after_ns / kNsPerMinute;
    if (dry) {
      return fmt::format("rain stopped: {:.1f} mm in the last {} (under {:.1f} mm) at {}; {}",
                         ring_.Sum(MinuteOf(t), clear_minutes), Hours(clear_minutes),
                         config_.dry_mm, FormatUtc(t), held);
    }
    const Criterion& c = config_.criteria[level_ - 1];
    return fmt::format(
        "{:.1f} mm in {} stayed below {} ({:.1f} mm - {:.1f} mm hysteresis) for {} at {}; {}",
        sums[level_ - 1], Hours(c.minutes), kSignalNames[level_], c.mm, config_.hysteresis,
        Hours(clear_minutes), FormatUtc(t), held);
  }

  void MaybeSummary(const Sample& sample) {
    if (config_.summary_interval_ns == 0) return;
    const std::int64_t window = WindowStart(CaptureNs(sample), config_.summary_interval_ns);
    if (summary_window_ && window <= *summary_window_) return;
    summary_window_ = window;
    v1::Event event = MakeEvent(context_, sample, v1::PRIORITY_CLASS_TELEMETRY);
    v1::RainfallSummary* s = event.mutable_rainfall_summary();
    FillTotals(s->mutable_totals(), *newest_ns_);
    s->set_signal(Wire(level_));
    s->set_interval_ms(static_cast<std::uint32_t>(config_.summary_interval_ns / kNsPerMs));
    s->set_counter_resets(resets_);
    s->set_counter_rollovers(rollovers_);
    s->set_samples_out_of_order(out_of_order_);
    s->set_sensor_fault(implausible_ || silent_);
    Emit(context_, std::move(event));
  }

  const Config config_;
  const Context context_;
  MinuteRing ring_;
  std::optional<std::int64_t> newest_ns_;  // newest capture time seen: the windows end here
  int level_ = 0;                          // 0 none, 1 blue .. 4 red
  std::int64_t level_since_ns_ = 0;
  std::array<std::optional<std::int64_t>, 4> lapsed_since_{};
  // Input bookkeeping: increments measure from the previous sample, a counter
  // from its last plausible reading.
  std::optional<std::int64_t> previous_ns_;
  std::optional<CounterReading> counter_;
  std::optional<CounterReading> pending_;  // the last implausible counter reading
  std::uint64_t resets_ = 0;
  std::uint64_t rollovers_ = 0;
  std::uint64_t out_of_order_ = 0;
  bool implausible_ = false;
  std::int64_t implausible_since_ns_ = 0;
  std::optional<std::int64_t> last_capture_ns_;
  std::int64_t last_seen_monotonic_ns_ = 0;
  bool silent_ = false;
  std::optional<std::int64_t> summary_window_;
};

Result<Config> ParseConfig(const config::Settings& settings) {
  Config c;
  c.cumulative = settings.GetString("input") == "cumulative";
  c.mm_per_tip = settings.GetDouble("mm_per_tip");
  if (c.mm_per_tip <= 0) {
    return MakeError(Code::kInvalidArgument, "rainfall: mm_per_tip must be above 0, not {}",
                     c.mm_per_tip);
  }
  c.rollover = settings.GetDouble("rollover");
  for (int i = 0; i < 4; ++i) {
    const std::string name = kSignalNames[i + 1];
    const std::int64_t window_ms = settings.GetInt(name + "_window");
    if (window_ms % kMsPerMinute != 0) {
      return MakeError(Code::kInvalidArgument,
                       "rainfall: {}_window must be whole minutes, not {} ms", name, window_ms);
    }
    c.criteria[i] = {settings.GetDouble(name + "_mm"), window_ms / kMsPerMinute};
  }
  // Each signal must be at least as severe as the one below it, so meeting a
  // signal's criterion meets every lower one: as much rain or more, in the
  // same window or a shorter one.
  for (int i = 1; i < 4; ++i) {
    const Criterion& lo = c.criteria[i - 1];
    const Criterion& hi = c.criteria[i];
    if (hi.mm < lo.mm || hi.minutes > lo.minutes || (hi.mm == lo.mm && hi.minutes == lo.minutes)) {
      return MakeError(Code::kInvalidArgument,
                       "rainfall: {} ({} mm in {}) must be more rain or a shorter window than {} "
                       "({} mm in {}), and neither less rain nor a longer window",
                       kSignalNames[i + 1], hi.mm, Hours(hi.minutes), kSignalNames[i], lo.mm,
                       Hours(lo.minutes));
    }
  }
  c.hysteresis = settings.GetDouble("hysteresis");
  if (c.hysteresis >= c.criteria[0].mm) {
    return MakeError(Code::kInvalidArgument,
                     "rainfall: hysteresis ({} mm) must be below blue_mm ({} mm)", c.hysteresis,
                     c.criteria[0].mm);
  }
  c.clear_after_ns = settings.GetInt("clear_after") * kNsPerMs;
  c.dry_mm = settings.GetDouble("dry_mm");
  c.intensity_minutes = settings.GetInt("intensity_window") / kMsPerMinute;
  c.max_intensity = settings.GetDouble("max_intensity");
  c.silent_after_ns = settings.GetInt("silent_after") * kNsPerMs;
  c.summary_interval_ns = settings.GetInt("summary_interval") * kNsPerMs;
  return c;
}

}  // namespace

PipelineType Type() {
  return {
      .name = "rainfall",
      .description =
          "Rain totals over 1-24 h, intensity, rainstorm signals (blue/yellow/orange/"
          "red), gauge faults",
      .schema = Schema(),
      .create = CreateFromSettings<RainfallPipeline, ParseConfig>,
  };
}

}  // namespace cityedge::pipelines::rainfall
