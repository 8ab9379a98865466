// SPDX-License-Identifier: Apache-2.0
// The full-screen terminal for `cityedge top`, drawn with ncurses. Only the
// cityedge executable links this (and ncurses); the daemon never does.
#pragma once

#include <chrono>
#include <functional>

#include "daemon/cli/top.hpp"

namespace cityedge::cli {

// Takes over the terminal on stdout and redraws `view` after each call of
// `update` (about every `interval`) and on resize, until q, Q or Ctrl-C.
// Colours only when `color` and the terminal has them. Returns 0, or 1 when
// the terminal cannot be used.
int RunScreen(TopView& view, const std::function<void(TopView&)>& update,
              std::chrono::milliseconds interval, bool color);

}  // namespace cityedge::cli
