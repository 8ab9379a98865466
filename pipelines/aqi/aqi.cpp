// SPDX-License-Identifier: Apache-2.0
#include "pipelines/aqi/aqi.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "pipelines/aqi/breakpoints.hpp"
#include "pipelines/framework.hpp"

namespace cityedge::pipelines::aqi {
namespace {

using config::SettingType;

config::SettingsSchema Schema() {
  config::SettingsSchema schema = {
      Setting("standard", SettingType::kEnum,
              "hj633: China HJ 633-2012; us_epa: US EPA AQI (EPA-454/B-24-002)")
          .Default("hj633")
          .Allowed({"hj633", "us_epa"}),
      Setting("mode", SettingType::kEnum,
              "hourly: one index per clock hour; daily: one per calendar day")
          .Default("hourly")
          .Allowed({"hourly", "daily"}),
      Setting("utc_offset_minutes", SettingType::kInt,
              "Offset of local time from UTC, where hours and days begin (China: 480)")
          .Default("0")
          .Min(-720)
          .Max(840)
          .Unit("min"),
      Setting("min_hours_24h", SettingType::kInt,
              "Valid hours a 24-hour or daily average needs (GB 3095-2012: 20)")
          .Default("20")
          .Min(1)
          .Max(24),
      Setting("min_hours_8h", SettingType::kInt,
              "Valid hours an 8-hour moving average needs (GB 3095-2012: 6)")
          .Default("6")
          .Min(1)
          .Max(8),
      Setting("molar_volume", SettingType::kDouble,
              "Molar volume for converting ppb/ppm to ug/m3 (24.45 at 25 °C, 1 atm)")
          .Default("24.45")
          .Min(20)
          .Max(30)
          .Unit("L/mol"),
      Setting("alarm_level", SettingType::kInt,
              "Send the index as an alarm when its level (1-6) reaches this; 0: never")
          .Default("0")
          .Min(0)
          .Max(6),
  };
  for (Pollutant p : kAllPollutants) {
    schema.push_back(Setting(std::string(PollutantName(p)), SettingType::kString,
                             "Input (driver-instance/channel) measuring this pollutant; unset: "
                             "not measured, reported as missing"));
  }
  return schema;
}

// Which statistic of the hourly means feeds a sub-index.
enum class Stat { kHour, kTrailing8h, kTrailing24h, kDayMean, kDayMax1h, kDayMax8h };

struct Item {
  Pollutant pollutant;
  Averaging table;
  Stat stat;
};

using P = Pollutant;
using A = Averaging;
// HJ 633-2012 §5: the real-time report takes 1-hour averages of all six
// pollutants plus the O3 8-hour moving average; the daily report takes 24-hour
// averages, the O3 daily maximum 1-hour average and daily maximum 8-hour
// moving average.
constexpr Item kHjHourly[] = {{P::kSo2, A::k1h, Stat::kHour},     {P::kNo2, A::k1h, Stat::kHour},
                              {P::kPm10, A::k24h, Stat::kHour},   {P::kPm2_5, A::k24h, Stat::kHour},
                              {P::kCo, A::k1h, Stat::kHour},      {P::kO3, A::k1h, Stat::kHour},
                              {P::kO3, A::k8h, Stat::kTrailing8h}};
constexpr Item kHjDaily[] = {
    {P::kSo2, A::k24h, Stat::kDayMean},  {P::kNo2, A::k24h, Stat::kDayMean},
    {P::kPm10, A::k24h, Stat::kDayMean}, {P::kPm2_5, A::k24h, Stat::kDayMean},
    {P::kCo, A::k24h, Stat::kDayMean},   {P::kO3, A::k1h, Stat::kDayMax1h},
    {P::kO3, A::k8h, Stat::kDayMax8h}};
// EPA-454/B-24-002: PM 24-hour, O3 8-hour (and 1-hour where higher), CO
// 8-hour, SO2 and NO2 1-hour. Hourly mode uses the averages ending at the
// hour, daily mode the day's averages and maxima.
constexpr Item kEpaHourly[] = {{P::kPm2_5, A::k24h, Stat::kTrailing24h},
                               {P::kPm10, A::k24h, Stat::kTrailing24h},
                               {P::kO3, A::k8h, Stat::kTrailing8h},
                               {P::kO3, A::k1h, Stat::kHour},
                               {P::kCo, A::k8h, Stat::kTrailing8h},
                               {P::kSo2, A::k1h, Stat::kHour},
                               {P::kNo2, A::k1h, Stat::kHour}};
constexpr Item kEpaDaily[] = {
    {P::kPm2_5, A::k24h, Stat::kDayMean}, {P::kPm10, A::k24h, Stat::kDayMean},
    {P::kO3, A::k8h, Stat::kDayMax8h},    {P::kO3, A::k1h, Stat::kDayMax1h},
    {P::kCo, A::k8h, Stat::kDayMax8h},    {P::kSo2, A::k1h, Stat::kDayMax1h},
    {P::kNo2, A::k1h, Stat::kDayMax1h}};

struct Config {
  Standard standard = Standard::kHj633;
  bool daily = false;
  std::int64_t utc_offset_ns = 0;
  int min_hours_24h = 20;
  int min_hours_8h = 6;
  double molar_volume = 24.45;
  int alarm_level = 0;
  std::map<std::string, Pollutant> inputs;  // "driver/channel" -> pollutant
};

// Hourly means of one pollutant, by local hour index.
using HourlyMeans = std::map<std::int64_t, double>;

std::optional<double> MeanOver(const HourlyMeans& h, std::int64_t first, std::int64_t last,
                               int min_hours) {
  double sum = 0;
  int n = 0;
  for (auto it = h.lower_bound(first); it != h.end() && it->first <= last; ++it, ++n) {
    sum += it->second;
  }
  if (n < min_hours || n == 0) return std::nullopt;
  return sum / n;
}

class AqiPipeline final : public Pipeline {
 public:
  AqiPipeline(Config config, Context context)
      : config_(std::move(config)), context_(std::move(context)) {}

  void OnSample(const Sample& sample) override {
    const auto input = config_.inputs.find(InputKey(sample));
    if (input == config_.inputs.end() || sample.quality == v1::QUALITY_BAD) return;
    const Pollutant p = input->second;
    const auto c =
        ToTableUnit(config_.standard, p, sample.value, sample.unit, config_.molar_volume);
    if (!c) {
      spdlog::warn("aqi {}: {} in \"{}\" cannot be converted to {} for {}; sample ignored",
                   context_.id, input->first, sample.unit, TableUnit(config_.standard, p),
                   PollutantName(p));
      return;
    }
    const std::int64_t hour =
        WindowStart(CaptureNs(sample) + config_.utc_offset_ns, kNsPerHour) / kNsPerHour;
    if (open_hour_ && hour < *open_hour_) return;  // the hour was reported already
    if (open_hour_ && hour > *open_hour_) CloseHour(hour);
    open_hour_ = hour;
    auto& [sum, count] = open_sums_[p];
    sum += *c;
    ++count;
    last_capture_ = *sample.capture_time;
    last_driver_ = std::string(sample.source);
  }

 private:
  void CloseHour(std::int64_t next_hour) {
    const std::int64_t hour = *open_hour_;
    for (auto& [p, sum_count] : open_sums_) {
      hourly_[p][hour] = sum_count.first / sum_count.second;
      // Two days are all any average looks back over.
      auto& h = hourly_[p];
      h.erase(h.begin(), h.lower_bound(hour - 47));
    }
    open_sums_.clear();
    if (!config_.daily) {
      Report(hour, hour);
    } else if (Day(next_hour) > Day(hour)) {
      Report(Day(hour) * 24, Day(hour) * 24 + 23);
    }
  }

  static std::int64_t Day(std::int64_t hour) { return WindowStart(hour, 24) / 24; }

  std::optional<double> Statistic(Pollutant p, Stat stat, std::int64_t first,
                                  std::int64_t last) const {
    const auto it = hourly_.find(p);
    if (it == hourly_.end()) return std::nullopt;
    const HourlyMeans& h = it->second;
    switch (stat) {
      case Stat::kHour:
        return MeanOver(h, last, last, 1);
      case Stat::kTrailing8h:
        return MeanOver(h, last - 7, last, config_.min_hours_8h);
      case Stat::kTrailing24h:
        return MeanOver(h, last - 23, last, config_.min_hours_24h);
      case Stat::kDayMean:
        return MeanOver(h, first, last, config_.min_hours_24h);
      case Stat::kDayMax1h:
        return MaxOver(p, first, last, 1, 1);
      case Stat::kDayMax8h:
        return MaxOver(p, first + 7, last, 8, config_.min_hours_8h);
    }
    return std::nullopt;
  }

  // Largest `span`-hour mean ending at an hour in [first_end, last_end]. For
  // the O3 daily maximum 8-hour average the windows lie within the day.
  std::optional<double> MaxOver(Pollutant p, std::int64_t first_end, std::int64_t last_end,
                                int span, int min_hours) const {
    std::optional<double> best;
    for (std::int64_t end = first_end; end <= last_end; ++end) {
      const auto m = MeanOver(hourly_.at(p), end - span + 1, end, min_hours);
      if (m && (!best || *m > *best)) best = m;
    }
    return best;
  }

  std::optional<v1::AirQuality::SubIndex> SubIndex(const Item& item, std::int64_t first,
                                                   std::int64_t last) const;
  void Report(std::int64_t first_hour, std::int64_t last_hour);

  const Config config_;
  const Context context_;
  std::optional<std::int64_t> open_hour_;
  std::map<Pollutant, std::pair<double, int>> open_sums_;
  std::map<Pollutant, HourlyMeans> hourly_;
  v1::Timestamp last_capture_;
  std::string last_driver_;
};

std::optional<v1::AirQuality::SubIndex> AqiPipeline::SubIndex(const Item& item, std::int64_t first,
                                                              std::int64_t last) const {
  const Pollutant p = item.pollutant;
  std::optional<double> c = Statistic(p, item.stat, first, last);
  if (!c) return std::nullopt;
  // What the concentration is an average of; PM 1-hour values are looked up
  // in the 24-hour table but are still 1-hour averages.
  Averaging averaging = item.stat == Stat::kHour || item.stat == Stat::kDayMax1h ? Averaging::k1h
                        : item.stat == Stat::kTrailing8h || item.stat == Stat::kDayMax8h
                            ? Averaging::k8h
                            : Averaging::k24h;
  const bool hj = config_.standard == Standard::kHj633;
  std::optional<int> iaqi = hj ? HjIaqi(p, item.table, *c) : EpaIaqi(p, item.table, *c);
  if (!iaqi && p == Pollutant::kSo2) {
    // HJ 633 Table 1 note 2 / EPA Table 6: SO2 1-hour beyond its row is
    // reported by the 24-hour average (the day's, in daily mode).
    const auto c24 = config_.daily ? Statistic(p, Stat::kDayMean, first, last)
                                   : MeanOver(hourly_.at(p), last - 23, last, 1);
    if (c24) iaqi = hj ? HjIaqi(p, Averaging::k24h, *c24) : EpaIaqi(p, Averaging::k24h, *c24);
    if (iaqi) {
      averaging = Averaging::k24h;
      c = c24;
    } else if (!hj) {
      // EPA: a 24-hour value below 305 ppb (or none) defines no index above
      // 200, which the 1-hour value has reached.
      iaqi = 200;
    }
  }
  // O3 8-hour beyond its row (HJ > 800 ug/m3, EPA > 0.200 ppm) and EPA O3
  // 1-hour below 0.125 ppm: the other O3 average stands for O3.
  if (!iaqi) return std::nullopt;
  v1::AirQuality::SubIndex sub;
  sub.set_pollutant(std::string(PollutantName(p)));
  sub.set_concentration(*c);
  sub.set_unit(std::string(TableUnit(config_.standard, p)));
  sub.set_averaging(std::string(AveragingName(averaging)));
  sub.set_iaqi(static_cast<std::uint32_t>(*iaqi));
  return sub;
}

void AqiPipeline::Report(std::int64_t first_hour, std::int64_t last_hour) {
  const bool hj = config_.standard == Standard::kHj633;
  const std::span<const Item> items =
      hj ? (config_.daily ? std::span<const Item>(kHjDaily) : kHjHourly)
         : (config_.daily ? std::span<const Item>(kEpaDaily) : kEpaHourly);
  v1::AirQuality aq;
  aq.set_standard(hj ? v1::AirQuality::STANDARD_HJ_633_2012 : v1::AirQuality::STANDARD_US_EPA);
  aq.set_mode(config_.daily ? v1::AirQuality::MODE_DAILY : v1::AirQuality::MODE_HOURLY);
  std::uint32_t aqi = 0;
  for (const Item& item : items) {
    if (auto sub = SubIndex(item, first_hour, last_hour)) {
      aqi = std::max(aqi, sub->iaqi());
      *aq.add_sub_indices() = std::move(*sub);
    }
  }
  if (aq.sub_indices().empty()) return;  // nothing measured in the period
  aq.set_aqi(aqi);
  auto add_once = [](google::protobuf::RepeatedPtrField<std::string>* list, const std::string& s) {
    if (std::find(list->begin(), list->end(), s) == list->end()) *list->Add() = s;
  };
  for (const auto& sub : aq.sub_indices()) {
    if (aqi > 50 && sub.iaqi() == aqi) add_once(aq.mutable_primary_pollutants(), sub.pollutant());
    if (sub.iaqi() > 100) add_once(aq.mutable_over_standard(), sub.pollutant());
  }
  for (Pollutant p : kAllPollutants) {
    const auto& subs = aq.sub_indices();
    if (std::none_of(subs.begin(), subs.end(),
                     [&](const auto& s) { return s.pollutant() == PollutantName(p); })) {
      *aq.add_missing() = std::string(PollutantName(p));
    }
  }
  const Category category = CategoryOf(config_.standard, static_cast<int>(aqi));
  aq.set_level(static_cast<std::uint32_t>(category.level));
  aq.set_category_en(std::string(category.en));
  aq.set_category_zh(std::string(category.zh));
  const bool alarm = config_.alarm_level > 0 && category.level >= config_.alarm_level;
  v1::Event event = MakeEvent(context_, last_driver_, last_capture_,
                              alarm ? v1::PRIORITY_CLASS_ALARM : v1::PRIORITY_CLASS_DETECTION);
  *event.mutable_air_quality() = std::move(aq);
  Emit(context_, std::move(event));
}

Result<Config> ParseConfig(const config::Settings& settings, const Context& context) {
  Config c;
  c.standard = settings.GetString("standard") == "us_epa" ? Standard::kUsEpa : Standard::kHj633;
  c.daily = settings.GetString("mode") == "daily";
  c.utc_offset_ns = settings.GetInt("utc_offset_minutes") * 60 * kNsPerSecond;
  c.min_hours_24h = static_cast<int>(settings.GetInt("min_hours_24h"));
  c.min_hours_8h = static_cast<int>(settings.GetInt("min_hours_8h"));
  c.molar_volume = settings.GetDouble("molar_volume");
  c.alarm_level = static_cast<int>(settings.GetInt("alarm_level"));
  for (Pollutant p : kAllPollutants) {
    const std::string key(PollutantName(p));
    if (!settings.Has(key) || settings.GetString(key).empty()) continue;
    const std::string& input = settings.GetString(key);
    if (std::find(context.inputs.begin(), context.inputs.end(), input) == context.inputs.end()) {
      return MakeError(Code::kInvalidArgument,
                       "aqi: {}: \"{}\" is not one of the pipeline's inputs; add it to inputs", key,
                       input);
    }
    if (!c.inputs.emplace(input, p).second) {
      return MakeError(Code::kInvalidArgument, "aqi: input \"{}\" is mapped to two pollutants",
                       input);
    }
  }
  if (c.inputs.empty()) {
    return MakeError(Code::kInvalidArgument,
                     "aqi: no pollutant mapped; set at least one of so2, no2, pm10, pm2_5, co, "
                     "o3 to an input");
  }
  return c;
}

}  // namespace

PipelineType Type() {
  return {
      .name = "aqi",
      .description = "Air quality index: China HJ 633-2012 (hourly/daily) or US EPA",
      .schema = Schema(),
      .create = [](const config::Settings& settings,
                   Context context) -> Result<std::unique_ptr<Pipeline>> {
        auto config = ParseConfig(settings, context);
        if (!config) return std::unexpected(config.error());
        return std::make_unique<AqiPipeline>(std::move(*config), std::move(context));
      },
  };
}

}  // namespace cityedge::pipelines::aqi
