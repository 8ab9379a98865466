// SPDX-License-Identifier: Apache-2.0
// One problem found in a config file or a settings block, with its position.
#pragma once

#include <string>
#include <vector>

namespace cityedge::config {

struct Problem {
  std::string file;
  int line = 0;      // 1-based; 0 when the problem has no position (unreadable file)
  int column = 0;    // 1-based
  std::string path;  // key path: "journal.max_bytes", "drivers[2].settings.port"; may be empty
  std::string message;

  // "cityedged.yaml:14:5: journal.max_bytes: expected a size like "512MiB", got "lots""
  [[nodiscard]] std::string ToString() const;
};

// One problem per line, each ending in "\n".
[[nodiscard]] std::string FormatProblems(const std::vector<Problem>& problems);

}  // namespace cityedge::config
