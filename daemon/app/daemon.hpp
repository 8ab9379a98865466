// SPDX-License-Identifier: Apache-2.0
// The running daemon: opens the journal, starts the uplink, the pipelines and
// the drivers, tells systemd it is ready, and stops them in reverse order on
// SIGTERM/SIGINT.
#pragma once

#include <string>

#include "daemon/app/registry.hpp"
#include "daemon/config/loader.hpp"

namespace cityedge::app {

// Runs until SIGTERM or SIGINT. Returns the process exit code.
// THREADING: call from the main thread before any other thread exists; it
// blocks the stop signals so they reach only the thread that waits for them.
// `config_path` is the file `loaded` came from; config apply rewrites it.
[[nodiscard]] int RunDaemon(const std::string& config_path, const config::Loaded& loaded,
                            Registry& registry);

}  // namespace cityedge::app
