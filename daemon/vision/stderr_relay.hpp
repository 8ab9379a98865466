// SPDX-License-Identifier: Apache-2.0
#pragma once

// What a vision worker writes to stderr (its own messages, and those of the
// FFmpeg, GStreamer and libjpeg code it runs) reaches the core's log at a
// bounded rate: a corrupt stream can make a decoder complain about every
// frame, and the box's log must not fill with it.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cityedge::vision {

class StderrRelay {
 public:
  using Clock = std::chrono::steady_clock;
  using Log = std::function<void(std::string_view line)>;

  struct Limits {
    std::size_t lines_per_window = 20;
    std::chrono::seconds window{60};
    std::size_t max_line_bytes = 512;
  };

  // `worker` names the worker in every line ("vision worker <worker>: ...").
  StderrRelay(std::string worker, Limits limits, Log log);
  StderrRelay(std::string worker, Limits limits);  // logs with spdlog (warn)

  // Bytes read from the worker's stderr: complete lines are logged, up to
  // the limit per window; the rest are counted.
  void Feed(std::string_view bytes, Clock::time_point now);
  // Called now and then: reports the lines suppressed in a window that has
  // ended, so a burst followed by silence is still accounted for.
  void Tick(Clock::time_point now);
  // The worker's stderr closed: a last unterminated line, and how many lines
  // were suppressed, are logged.
  void Finish(Clock::time_point now);

  [[nodiscard]] std::size_t suppressed_total() const { return suppressed_total_; }

 private:
  void Line(std::string_view line, Clock::time_point now);
  void CloseWindow();

  std::string worker_;
  Limits limits_;
  Log log_;
  std::string partial_;
  bool truncating_ = false;  // the current line passed max_line_bytes
  Clock::time_point window_start_{};
  bool window_open_ = false;
  std::size_t logged_in_window_ = 0;
  std::size_t suppressed_in_window_ = 0;
  std::size_t suppressed_total_ = 0;
};

}  // namespace cityedge::vision
