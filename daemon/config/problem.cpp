// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/problem.hpp"

#include <fmt/format.h>

namespace cityedge::config {

std::string Problem::ToString() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}:{}", line, column);
  out += ": ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

std::string FormatProblems(const std::vector<Problem>& problems) {
  std::string out;
  for (const Problem& problem : problems) out += problem.ToString() + "\n";
  return out;
}

}  // namespace cityedge::config
