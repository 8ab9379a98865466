#include "daemon/app/notify.hpp"

#include <systemd/sd-daemon.h>

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

}  // namespace cityedge::app
