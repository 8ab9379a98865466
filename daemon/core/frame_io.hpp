// SPDX-License-Identifier: Apache-2.0
// Framing on the control socket: each message is a 4-byte big-endian length
// followed by that many bytes of protobuf (Command from the client,
// CommandReply from the daemon). A length above the limit is refused before
// any byte of the body is read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "daemon/core/status.hpp"

namespace cityedge {

inline constexpr std::size_t kFrameHeaderBytes = 4;

// Reads one frame into `out`. kNotFound: the peer closed cleanly before a
// header; kResourceExhausted: the announced length is above `max_bytes`;
// kUnavailable: the peer closed mid-frame or the read failed.
// Blocking; EINTR is retried.
[[nodiscard]] Status ReadFrame(int fd, std::size_t max_bytes, std::string* out);
// Writes one frame (MSG_NOSIGNAL: a vanished peer is an error, not SIGPIPE).
[[nodiscard]] Status WriteFrame(int fd, std::string_view payload);

}  // namespace cityedge
