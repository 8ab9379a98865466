// systemd service notification (sd_notify(3)): READY=1, STATUS=, STOPPING=1,
// WATCHDOG=1. Does nothing when the daemon is not run by systemd
// (NOTIFY_SOCKET unset).
#pragma once

#include <string_view>

namespace cityedge::app {

void NotifyReady(std::string_view status);
void NotifyStatus(std::string_view status);
void NotifyStopping();

}  // namespace cityedge::app
