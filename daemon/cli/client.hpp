// SPDX-License-Identifier: Apache-2.0
// The CLI's side of the control socket: connect, send a Command, read
// CommandReply frames. Errors say whether the daemon is down or the user
// lacks permission, which are what a technician on a ladder needs to know.
#pragma once

#include <functional>
#include <string>

#include "cityedge/v1/command.pb.h"
#include "daemon/core/status.hpp"
#include "daemon/core/unique_fd.hpp"

namespace cityedge::cli {

// Largest reply accepted (a snapshot JPEG is the largest).
inline constexpr std::size_t kMaxReplyBytes = 32 * 1024 * 1024;

class Client {
 public:
  // kUnavailable: no daemon listening at `path`; kPermissionDenied: the socket
  // refuses this user.
  [[nodiscard]] static Result<Client> Connect(const std::string& path, int timeout_s);
  Client(Client&& other) noexcept = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client& operator=(Client&&) = delete;

  [[nodiscard]] Status Send(const v1::Command& command);
  // Reads one reply. timeout_s 0 waits for ever (tail).
  [[nodiscard]] Result<v1::CommandReply> Receive();

 private:
  explicit Client(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// One command, one reply, on a fresh connection. The reply may still carry a
// refusal (its code); the error covers only the socket.
[[nodiscard]] Result<v1::CommandReply> Ask(const std::string& socket, int timeout_s,
                                           const v1::Command& command);

}  // namespace cityedge::cli
