// SPDX-License-Identifier: Apache-2.0
#include "daemon/app/notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace cityedge::app {
namespace {

void Send(const std::string& message) {
  // Failure to notify is not fatal: the daemon may be run by hand.
  (void)sd_notify(0, message.c_str());
}

}  // namespace

void NotifyReady(std::string_view status) { Send(fmt::format("READY=1\nSTATUS={}", status)); }
void NotifyStatus(std::string_view status) { Send(fmt::format("STATUS={}", status)); }
void NotifyStopping() { Send("STOPPING=1\nSTATUS=stopping"); }
void NotifyWatchdog() { Send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> WatchdogPeriod() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

}  // namespace cityedge::app
