// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/top.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace cityedge::cli {
namespace {

constexpr int kIdWidth = 14;
constexpr int kTypeWidth = 11;
constexpr int kStateWidth = 8;
constexpr int kRateWidth = 7;
constexpr int kLeftColumns = kIdWidth + kTypeWidth + kStateWidth + kRateWidth + 4;
constexpr int kChannelWidth = 9;
constexpr int kValueWidth = 12;
constexpr int kMaxSpark = 60;
constexpr std::size_t kRateHistory = 60;
// Rows younger than this while connected are live traffic in flight, not a
// backlog to drain.
constexpr double kLiveSeconds = 5;

const char* const kClasses[] = {"alarm", "detection", "health", "gap", "telemetry"};

// The byte offset after `columns` code points.
std::size_t PrefixBytes(const std::string& text, int columns) {
  std::size_t at = 0;
  int seen = 0;
  while (at < text.size()) {
    if ((static_cast<unsigned char>(text[at]) & 0xC0) != 0x80) {
      if (seen == columns) break;
      ++seen;
    }
    ++at;
  }
  return at;
}

Line Fit(Line line, int width) {
  int used = 0;
  Line out;
  for (Span& span : line) {
    if (used >= width) break;
    const int columns = Columns(span.text);
    if (used + columns > width) span.text.resize(PrefixBytes(span.text, width - used));
    used += std::min(columns, width - used);
    out.push_back(std::move(span));
  }
  return out;
}

std::string Pad(const std::string& text, int width) {
  const int columns = Columns(text);
  if (columns >= width) return text.substr(0, PrefixBytes(text, width));
  return text + std::string(static_cast<std::size_t>(width - columns), ' ');
}

std::string StateName(const std::string& state) {
  const std::string prefix = "COMPONENT_STATE_";
  return state.rfind(prefix, 0) == 0 ? state.substr(prefix.size()) : state;
}

Style StateStyle(const std::string& state) {
  if (state == "ONLINE") return Style::kGood;
  if (state == "STARTING" || state == "DEGRADED" || state == "STOPPED") return Style::kWarn;
  return Style::kBad;
}

std::string ClockText(const std::string& state) {
  if (state == "CLOCK_STATE_NTP") return "synchronised (NTP)";
  if (state == "CLOCK_STATE_RTC") return "from the RTC, not yet synchronised";
  if (state == "CLOCK_STATE_CORRECTED") return "corrected after running unsynchronised";
  if (state == "CLOCK_STATE_UNSYNCED") return "NOT synchronised: capture times may be off";
  return state.empty() ? "-" : state;
}

std::string Value(double value, const std::string& unit) {
  return unit.empty() ? fmt::format("{:.4g}", value) : fmt::format("{:.4g} {}", value, unit);
}

double Counter(const Row& row, const char* column) {
  return std::strtod(row.Cell(column).c_str(), nullptr);
}

}  // namespace

bool IsLive(const Snapshot& s) {
  const double rows = s.BacklogNumber("queued_rows");
  if (rows == 0) return true;
  const auto age = s.Metric("cityedge_journal_oldest_backlog_age_seconds");
  return s.Status("uplink").rfind("connected", 0) == 0 && age && *age < kLiveSeconds;
}

std::string Bar(double fraction, int width, bool unicode) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int full = static_cast<int>(std::lround(fraction * width));
  std::string out;
  for (int i = 0; i < width; ++i) out += i < full ? (unicode ? "█" : "#") : (unicode ? "░" : ".");
  return out;
}

std::string Sparkline(const std::vector<double>& values, int width, bool unicode) {
  static const char* const kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static const char kAscii[] = "_.-:=+*#";
  const std::size_t count = std::min<std::size_t>(values.size(), std::max(width, 0));
  const auto first = values.end() - static_cast<std::ptrdiff_t>(count);
  double lo = INFINITY, hi = -INFINITY;
  for (auto it = first; it != values.end(); ++it) {
    if (std::isnan(*it)) continue;
    lo = std::min(lo, *it);
    hi = std::max(hi, *it);
  }
  std::string out;
  for (auto it = first; it != values.end(); ++it) {
    if (std::isnan(*it)) {
      out += ' ';
      continue;
    }
    const int level = hi > lo ? static_cast<int>(std::lround((*it - lo) / (hi - lo) * 7)) : 3;
    if (unicode) {
      out += kBlocks[level];
    } else {
      out += kAscii[level];
    }
  }
  return out;
}

std::string Duration(double seconds) {
  if (seconds < 120) return fmt::format("{:.0f} s", seconds);
  if (seconds < 7200) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

std::string Bytes(double bytes) {
  const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[unit]);
}

int Columns(const std::string& text) {
  return static_cast<int>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string PlainText(const std::vector<Line>& lines) {
  std::string out;
  for (const Line& line : lines) {
    std::string text;
    for (const Span& span : line) text += span.text;
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

void TopView::Add(Snapshot snapshot) {
  error_.clear();
  before_ = std::move(now_);
  now_ = std::move(snapshot);
  const double rows = now_->BacklogNumber("queued_rows");
  drain_peak_rows_ = IsLive(*now_) ? 0 : std::max(drain_peak_rows_, rows);
  if (!before_) return;
  const double dt = static_cast<double>(now_->steady_ns - before_->steady_ns) / 1e9;
  if (dt <= 0) return;
  out_per_s_ =
      std::max(0.0, now_->BacklogNumber("events_acked") - before_->BacklogNumber("events_acked")) /
      dt;
  const double shrink = (before_->BacklogNumber("queued_rows") - rows) / dt;
  // Smoothed, so one slow second does not swing the ETA.
  drain_per_s_ = drain_per_s_ ? 0.5 * *drain_per_s_ + 0.5 * shrink : shrink;
  auto rate = [&](const std::vector<Row>& now, const std::vector<Row>& before, const char* a,
                  const char* b) {
    std::map<std::string, double> rates;
    for (const Row& row : now) {
      auto old =
          std::find_if(before.begin(), before.end(), [&](const Row& r) { return r.id == row.id; });
      if (old == before.end()) continue;
      const double delta = Counter(row, a) + Counter(row, b) - Counter(*old, a) - Counter(*old, b);
      rates[row.id] = std::max(0.0, delta / dt);  // a restart resets counters
    }
    return rates;
  };
  rate_per_s_ = rate(now_->drivers, before_->drivers, "readings", "frames");
  for (const auto& [id, r] : rate(now_->pipelines, before_->pipelines, "samples", "frames")) {
    rate_per_s_[id] = r;
    auto& history = rate_history_[id];
    history.push_back(r);
    if (history.size() > kRateHistory) history.pop_front();
  }
}

std::vector<Line> TopView::Header(const RenderOptions& options) const {
  std::vector<Line> lines;
  const Snapshot& s = *now_;
  Line title = {{"cityedge top", Style::kTitle},
                {fmt::format("  {} ({})  up {}  config {}", s.Status("gateway"), s.Status("site"),
                             s.Status("uptime"), s.Status("config_hash").substr(0, 12)),
                 Style::kTitle}};
  if (!error_.empty()) title.push_back({"  " + error_, Style::kBad});
  lines.push_back(title);

  const std::string uplink = s.Status("uplink");
  const bool connected = uplink.rfind("connected", 0) == 0;
  Line up = {{"uplink   ", Style::kPlain}, {uplink, connected ? Style::kGood : Style::kBad}};
  up.push_back({fmt::format("  session {}  p99 {} ms  out {:.1f} ev/s", s.Status("session_seq"),
                            s.Backlog("publish_p99_ms"), out_per_s_),
                Style::kPlain});
  lines.push_back(up);

  const double rows = s.BacklogNumber("queued_rows");
  std::string disk = "-";
  if (auto free = s.Metric("cityedge_disk_free_bytes")) disk = Bytes(*free);
  const std::string journal_state = s.Status("journal");
  Line journal = {{fmt::format("journal  {:.0f} rows ({}), oldest {}  evicted {}  disk free {}",
                               rows, Bytes(s.BacklogNumber("queued_bytes")),
                               s.Backlog("oldest_queued"), s.Backlog("evicted_total"), disk),
                   Style::kPlain}};
  if (!journal_state.empty() && journal_state != "ok") {
    journal.push_back({"  " + journal_state, Style::kBad});
  }
  lines.push_back(journal);

  std::string per_class = "  ";
  for (const char* c : kClasses) {
    per_class += fmt::format("{} {}  ", c, s.Backlog(fmt::format("rows.{}", c)));
  }
  lines.push_back({{per_class, Style::kDim}});

  Line drain = {{"  drain  ", Style::kPlain}};
  if (IsLive(s)) {
    drain.push_back({"no backlog: events go out live", Style::kGood});
  } else {
    const double fraction = drain_peak_rows_ > 0 ? 1 - rows / drain_peak_rows_ : 0;
    const int bar = std::clamp(options.width - 50, 10, 40);
    drain.push_back({Bar(fraction, bar, options.unicode), connected ? Style::kGood : Style::kWarn});
    std::string eta = "ETA -";
    if (!connected) {
      eta = "waiting for the uplink";
    } else if (drain_per_s_ && *drain_per_s_ > 0.05) {
      eta = fmt::format("{:.0f} ev/s  ETA {}", *drain_per_s_, Duration(rows / *drain_per_s_));
    } else if (drain_per_s_ && *drain_per_s_ < -0.05) {
      eta = fmt::format("growing {:.0f} ev/s", -*drain_per_s_);
    }
    drain.push_back({fmt::format(" {:3.0f}%  {}", fraction * 100, eta), Style::kPlain});
  }
  lines.push_back(drain);

  const std::string clock = s.Status("clock");
  lines.push_back({{"clock    ", Style::kPlain},
                   {ClockText(clock), clock == "CLOCK_STATE_UNSYNCED" ? Style::kBad
                                      : clock == "CLOCK_STATE_RTC"    ? Style::kWarn
                                                                      : Style::kGood}});
  for (const auto& [key, value] : s.status) {
    if (key.rfind("vision.", 0) != 0) continue;
    const bool up_worker = value.rfind("pid ", 0) == 0;
    lines.push_back({{"vision   " + key.substr(7) + ": ", Style::kPlain},
                     {value, up_worker ? Style::kGood : Style::kBad}});
  }
  return lines;
}

std::vector<Line> TopView::Instances(const RenderOptions& options) const {
  std::vector<Line> lines;
  const Snapshot& s = *now_;
  const int spark =
      std::clamp(options.width - kLeftColumns - kChannelWidth - kValueWidth - 2, 4, kMaxSpark);
  lines.push_back(
      {{Pad("INSTANCE", kIdWidth + 1) + Pad("TYPE", kTypeWidth + 1) + Pad("STATE", kStateWidth) +
            fmt::format(" {:>{}} ", "RATE/s", kRateWidth) + "LAST MINUTE",
        Style::kTitle}});
  auto left = [&](const std::string& id, const std::string& type, const std::string& state,
                  Style state_style) {
    const auto rate = rate_per_s_.find(id);
    return Line{{Pad(id, kIdWidth) + " " + Pad(type, kTypeWidth) + " ", Style::kPlain},
                {Pad(state, kStateWidth), state_style},
                {fmt::format(" {:>{}} ",
                             rate == rate_per_s_.end() ? "-" : fmt::format("{:.1f}", rate->second),
                             kRateWidth),
                 Style::kPlain}};
  };
  for (const Row& driver : s.drivers) {
    const std::string state = StateName(driver.Cell("state"));
    Line line = left(driver.id, driver.Cell("type"), state, StateStyle(state));
    bool first = true;
    for (const v1::ValueSeries& series : s.series) {
      if (series.instance() != driver.id) continue;
      const std::vector<double> values(series.values().begin(), series.values().end());
      double last = NAN;
      for (double v : values) {
        if (!std::isnan(v)) last = v;
      }
      if (!first) line = {{std::string(kLeftColumns, ' '), Style::kPlain}};
      line.push_back({Pad(series.channel(), kChannelWidth) + " ", Style::kDim});
      line.push_back({Sparkline(values, spark, options.unicode), Style::kGood});
      line.push_back({" " + (std::isnan(last) ? std::string("-") : Value(last, series.unit())),
                      Style::kPlain});
      lines.push_back(line);
      first = false;
    }
    if (first) {
      const std::string reason = driver.Cell("reason");
      line.push_back({state == "ONLINE" || reason.empty() ? "" : reason, Style::kWarn});
      lines.push_back(line);
    }
  }
  for (const Row& pipeline : s.pipelines) {
    Line line = left(pipeline.id, pipeline.Cell("type"), "running", Style::kGood);
    auto history = rate_history_.find(pipeline.id);
    if (history != rate_history_.end()) {
      line.push_back({Pad("in/s", kChannelWidth) + " ", Style::kDim});
      line.push_back(
          {Sparkline({history->second.begin(), history->second.end()}, spark, options.unicode),
           Style::kGood});
    }
    lines.push_back(line);
  }
  return lines;
}

std::vector<Line> TopView::Render(const RenderOptions& options) const {
  std::vector<Line> lines;
  if (!now_) {
    lines.push_back({{"cityedge top", Style::kTitle},
                     {error_.empty() ? "  asking cityedged..." : "  " + error_,
                      error_.empty() ? Style::kPlain : Style::kBad}});
  } else {
    lines = Header(options);
    lines.push_back({});
    for (Line& line : Instances(options)) lines.push_back(std::move(line));
  }
  const auto height = static_cast<std::size_t>(std::max(options.height, 1));
  if (lines.size() > height) {
    const std::size_t hidden = lines.size() - height + 1;
    lines.resize(height - 1);
    lines.push_back(
        {{fmt::format("... {} more line(s): a taller terminal shows them", hidden), Style::kDim}});
  }
  for (Line& line : lines) line = Fit(std::move(line), options.width);
  return lines;
}

}  // namespace cityedge::cli
