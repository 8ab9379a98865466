// SPDX-License-Identifier: Apache-2.0
#include "daemon/vision/stderr_relay.hpp"

#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace cityedge::vision {

StderrRelay::StderrRelay(std::string worker, Limits limits, Log log)
    : worker_(std::move(worker)), limits_(limits), log_(std::move(log)) {}

StderrRelay::StderrRelay(std::string worker, Limits limits)
    : StderrRelay(std::move(worker), limits,
                  [](std::string_view line) { spdlog::warn("{}", line); }) {}

void StderrRelay::Feed(std::string_view bytes, Clock::time_point now) {
  while (!bytes.empty()) {
    const std::size_t nl = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, nl);
    if (!truncating_) {
      const std::size_t room = limits_.max_line_bytes - partial_.size();
      partial_.append(piece.substr(0, room));
      truncating_ = piece.size() > room;
    }
    if (nl == std::string_view::npos) return;
    Line(partial_, now);
    partial_.clear();
    truncating_ = false;
    bytes.remove_prefix(nl + 1);
  }
}

void StderrRelay::Finish(Clock::time_point now) {
  if (!partial_.empty()) Line(partial_, now);
  partial_.clear();
  truncating_ = false;
  CloseWindow();
}

void StderrRelay::Tick(Clock::time_point now) {
  if (window_open_ && now - window_start_ >= limits_.window) CloseWindow();
}

void StderrRelay::Line(std::string_view line, Clock::time_point now) {
  // FFmpeg ends some messages with '\r'; empty lines say nothing.
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return;
  Tick(now);
  if (!window_open_) {
    window_open_ = true;
    window_start_ = now;
  }
  if (logged_in_window_ < limits_.lines_per_window) {
    ++logged_in_window_;
    log_(fmt::format("vision worker {}: {}{}", worker_, line, truncating_ ? " [...]" : ""));
    return;
  }
  ++suppressed_in_window_;
  ++suppressed_total_;
}

void StderrRelay::CloseWindow() {
  if (suppressed_in_window_ > 0) {
    log_(fmt::format(
        "vision worker {}: {} more lines on its stderr not logged (at most {} per {} s)", worker_,
        suppressed_in_window_, limits_.lines_per_window, limits_.window.count()));
  }
  window_open_ = false;
  logged_in_window_ = 0;
  suppressed_in_window_ = 0;
}

}  // namespace cityedge::vision
