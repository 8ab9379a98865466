// SPDX-License-Identifier: Apache-2.0
// Tumbling windows in capture time, one per input: what the windowed
// pipelines (aggregate, noise_leq) share. A pipeline supplies what a window
// accumulates and how a finished one is reported; this keeps the bookkeeping.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "pipelines/framework.hpp"

namespace cityedge::pipelines {

// The settings rows every windowed pipeline declares.
[[nodiscard]] inline config::SettingSpec WindowSetting() {
  return Setting("window", config::SettingType::kDuration,
                 "Length of the tumbling windows, aligned to the Unix epoch in capture time")
      .Default("1m")
      .Min(1000)
      .Max(86'400'000)
      .Unit("ms");
}
[[nodiscard]] inline config::SettingSpec FlushAfterSetting() {
  return Setting("flush_after", config::SettingType::kDuration,
                 "Close an open window when its input sent nothing for this long (gateway "
                 "monotonic time); 0: only the next window's first sample closes it")
      .Default("0s")
      .Min(0)
      .Unit("ms");
}

// One open window per input ("driver/channel"). A window closes when a sample
// of a later window arrives or, with flush_after, when its input has been
// quiet that long in gateway monotonic time. A reported window is final: a
// sample that belongs before the open window is dropped.
// THREADING: none of its own; the pipeline framework serialises calls.
template <typename W>
class TumblingWindows {
 public:
  // Where a window stands; handed to the pipeline's close callback.
  struct Span {
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
  };

  // Called with each finished window.
  using Report = std::function<void(const W&, Span)>;

  TumblingWindows(std::int64_t window_ns, std::int64_t flush_after_ns, Report report)
      : window_ns_(window_ns), flush_after_ns_(flush_after_ns), report_(std::move(report)) {}

  // The window `sample` belongs to, opened with `open(sample)` when needed
  // after the one it replaces was reported; nullptr for a late sample.
  // `now_monotonic_ns` marks the input as heard from.
  template <typename OpenFn>
  W* Route(const Sample& sample, std::int64_t now_monotonic_ns, OpenFn&& open) {
    const std::int64_t start = WindowStart(CaptureNs(sample), window_ns_);
    std::optional<Slot>& slot = slots_[InputKey(sample)];
    if (slot && start < slot->start_ns) return nullptr;
    if (slot && start > slot->start_ns) Close(slot);
    if (!slot) slot.emplace(Slot{start, 0, open(sample)});
    slot->last_seen_monotonic_ns = now_monotonic_ns;
    return &slot->window;
  }

  // Closes the windows of inputs quiet for flush_after (none when it is 0).
  void FlushQuiet(std::int64_t now_monotonic_ns) {
    if (flush_after_ns_ == 0) return;
    for (auto& [input, slot] : slots_) {
      if (slot && now_monotonic_ns - slot->last_seen_monotonic_ns >= flush_after_ns_) Close(slot);
    }
  }

  [[nodiscard]] std::int64_t window_ns() const { return window_ns_; }

 private:
  struct Slot {
    std::int64_t start_ns = 0;
    std::int64_t last_seen_monotonic_ns = 0;
    W window;
  };

  void Close(std::optional<Slot>& slot) {
    report_(slot->window, Span{slot->start_ns, slot->start_ns + window_ns_});
    slot.reset();
  }

  const std::int64_t window_ns_;
  const std::int64_t flush_after_ns_;
  const Report report_;
  std::map<std::string, std::optional<Slot>> slots_;
};

}  // namespace cityedge::pipelines
