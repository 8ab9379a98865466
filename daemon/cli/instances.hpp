// SPDX-License-Identifier: Apache-2.0
// Driver instance ids of the running daemon, for shell completion.
#pragma once

#include <string>
#include <vector>

namespace cityedge::cli {

// The ids `cityedge drivers` lists, asked over `socket` with a timeout of
// `timeout_s` seconds; empty when the daemon is not running, refuses this
// user or does not answer in time (completion then offers nothing).
[[nodiscard]] std::vector<std::string> DriverInstances(const std::string& socket, int timeout_s);

}  // namespace cityedge::cli
