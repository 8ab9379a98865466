// SPDX-License-Identifier: Apache-2.0
// Logging: spdlog to stderr. Under systemd (JOURNAL_STREAM set) lines carry a
// syslog priority prefix ("<6>") and no timestamp, because journald adds its own;
// on a terminal they carry a local timestamp and a coloured level.
//
// Levels: error means an operator must act; warn means degraded but coping;
// info is state changes; debug and trace are for development. Normal progress is
// never logged at error level.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

#include "daemon/core/status.hpp"

namespace cityedge::log {

// Sets up the process-wide default logger. Safe to call again (e.g. after a
// config reload changes the level). Thread-safe after the first call.
void Init(std::string_view level = "info");

// Parses "trace|debug|info|warn|error".
[[nodiscard]] Result<spdlog::level::level_enum> ParseLevel(std::string_view level);

// True when stderr goes to the systemd journal.
[[nodiscard]] bool UnderJournald();

}  // namespace cityedge::log
