// SPDX-License-Identifier: Apache-2.0
// Fuzzes what the core reads from a vision worker, the process that decodes
// untrusted video: the channel's framing (length prefixes that lie, frames
// cut short, lengths past the limit) and the messages inside, each event then
// passed through the core's admission check. The core must neither crash nor
// block on any byte stream, and an admitted event must be one the core may
// journal.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>

#include "daemon/vision/admission.hpp"
#include "daemon/vision/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cityedge;
  // The whole input fits the socket's buffer (libFuzzer's inputs stay a few
  // KiB), so one thread writes it all, then reads it back as the core does.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fds[1], data + written, size - written);
    if (n <= 0) std::abort();
    written += static_cast<std::size_t>(n);
  }
  ::close(fds[1]);

  const std::set<std::string, std::less<>> own = {"cam1", "thermal1", "fever"};
  vision::Channel channel(fds[0]);
  for (int messages = 0; messages < 1000; ++messages) {
    internal::FromWorker message;
    if (!channel.Receive(&message)) break;  // closed, cut short or malformed: the worker is killed
    if (!message.has_event()) continue;
    v1::Event event = message.event();
    if (!vision::AdmitEvent(own, &event).empty()) continue;
    // Admitted: from one of the worker's instances, of a kind frame code
    // makes, numbered by the core alone.
    if (event.seq() != 0 || !own.contains(vision::InstanceOf(event.source()))) std::abort();
    if (event.has_gap_record() || event.has_gateway_health() || event.has_clock_correction()) {
      std::abort();
    }
    if (event.priority() == v1::PRIORITY_CLASS_GAP) std::abort();
  }
  ::close(fds[0]);
  return 0;
}
