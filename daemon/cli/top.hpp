// SPDX-License-Identifier: Apache-2.0
// `cityedge top`: what the live view shows, independent of how it is drawn.
// TopView turns successive snapshots into rates (events out per second,
// readings per second, the backlog's drain rate and ETA) and renders one
// screenful of styled lines for a given size. The ncurses screen
// (screen.hpp) and the plain-text mode both draw these lines.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/cli/snapshot.hpp"

namespace cityedge::cli {

enum class Style { kPlain, kTitle, kGood, kWarn, kBad, kDim };

struct Span {
  std::string text;  // UTF-8
  Style style = Style::kPlain;
};
using Line = std::vector<Span>;

struct RenderOptions {
  int width = 80;
  int height = 24;
  bool unicode = true;  // block characters for bars and sparklines; ASCII otherwise
};

// THREADING: one thread.
class TopView {
 public:
  // Takes a new snapshot; rates come from the difference to the last one.
  void Add(Snapshot snapshot);
  // The daemon could not be asked: shown on the title line until the next Add.
  void SetError(std::string error) { error_ = std::move(error); }
  [[nodiscard]] std::vector<Line> Render(const RenderOptions& options) const;

 private:
  [[nodiscard]] std::vector<Line> Header(const RenderOptions& options) const;
  [[nodiscard]] std::vector<Line> Instances(const RenderOptions& options) const;

  std::optional<Snapshot> now_;
  std::optional<Snapshot> before_;
  std::string error_;
  double out_per_s_ = 0;
  // The drain: the highest backlog since it was last empty, and the rows per
  // second it shrinks by (negative while it grows).
  double drain_peak_rows_ = 0;
  std::optional<double> drain_per_s_;
  std::map<std::string, double> rate_per_s_;                // instance id -> readings/s
  std::map<std::string, std::deque<double>> rate_history_;  // pipeline id -> samples/s
};

// True when the journal holds nothing older than live traffic in flight.
[[nodiscard]] bool IsLive(const Snapshot& snapshot);

// Helpers shared with `backlog --watch` and the progress displays.
// A bar of `width` cells filled to `fraction` (0..1).
[[nodiscard]] std::string Bar(double fraction, int width, bool unicode);
// One character per value, scaled between the values' min and max; NaN is a
// blank. `width` keeps the newest values.
[[nodiscard]] std::string Sparkline(const std::vector<double>& values, int width, bool unicode);
// "45 s", "12 min", "3.2 h".
[[nodiscard]] std::string Duration(double seconds);
// "512 B", "14.2 KiB", "3.1 GiB".
[[nodiscard]] std::string Bytes(double bytes);
// Display columns of UTF-8 text (every code point one column).
[[nodiscard]] int Columns(const std::string& text);
// The lines as plain text, one per line, trailing spaces trimmed.
[[nodiscard]] std::string PlainText(const std::vector<Line>& lines);

}  // namespace cityedge::cli
