// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/screen.hpp"

#include <langinfo.h>
#include <signal.h>

#include <atomic>
#include <clocale>
#include <cstring>

#include <curses.h>

namespace cityedge::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnInterrupt(int) { g_stop = true; }

int Attributes(Style style, bool color) {
  switch (style) {
    case Style::kTitle:
      return A_BOLD;
    case Style::kGood:
      return color ? COLOR_PAIR(1) : 0;
    case Style::kWarn:
      return color ? COLOR_PAIR(2) : A_BOLD;
    case Style::kBad:
      return color ? COLOR_PAIR(3) | A_BOLD : A_BOLD | A_REVERSE;
    case Style::kDim:
      return A_DIM;
    case Style::kPlain:
      break;
  }
  return 0;
}

void Draw(const TopView& view, bool color, bool unicode) {
  int height = 0, width = 0;
  getmaxyx(stdscr, height, width);
  erase();
  const auto lines = view.Render({width, height, unicode});
  for (std::size_t y = 0; y < lines.size(); ++y) {
    move(static_cast<int>(y), 0);
    for (const Span& span : lines[y]) {
      const int attributes = Attributes(span.style, color);
      attron(attributes);
      addstr(span.text.c_str());  // Render fits each line to the width
      attroff(attributes);
    }
  }
  refresh();
}

}  // namespace

int RunScreen(TopView& view, const std::function<void(TopView&)>& update,
              std::chrono::milliseconds interval, bool color) {
  std::setlocale(LC_ALL, "");
  const bool unicode = std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
  if (newterm(nullptr, stdout, stdin) == nullptr) return 1;
  cbreak();
  noecho();
  curs_set(0);
  keypad(stdscr, TRUE);
  timeout(100);  // getch waits at most this long, so Ctrl-C and refreshes are prompt
  color = color && has_colors();
  if (color) {
    start_color();
    use_default_colors();
    init_pair(1, COLOR_GREEN, -1);
    init_pair(2, COLOR_YELLOW, -1);
    init_pair(3, COLOR_RED, -1);
  }
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  auto due = std::chrono::steady_clock::now();
  while (!g_stop) {
    if (std::chrono::steady_clock::now() >= due) {
      update(view);
      due = std::chrono::steady_clock::now() + interval;
      Draw(view, color, unicode);
    }
    const int key = getch();
    if (key == 'q' || key == 'Q') break;
    if (key == KEY_RESIZE) Draw(view, color, unicode);
  }
  endwin();
  return 0;
}

}  // namespace cityedge::cli
