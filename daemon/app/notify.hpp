// SPDX-License-Identifier: Apache-2.0
// systemd service notification (sd_notify(3)): READY=1, STATUS=, STOPPING=1,
// WATCHDOG=1. Does nothing when the daemon is not run by systemd
// (NOTIFY_SOCKET unset).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cityedge::app {

void NotifyReady(std::string_view status);
void NotifyStatus(std::string_view status);
void NotifyStopping();
void NotifyWatchdog();
// WatchdogSec= of the unit (WATCHDOG_USEC for this process), if set.
[[nodiscard]] std::optional<std::chrono::microseconds> WatchdogPeriod();

}  // namespace cityedge::app
