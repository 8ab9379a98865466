// SPDX-License-Identifier: Apache-2.0
// One command set, one dispatcher, two transports (DESIGN.md §3.7): the
// control socket and MQTT downlink both hand authenticated commands here and
// send back the reply it builds. Every reply carries a code and a message a
// person can act on.
#pragma once

#include <string_view>

#include "cityedge/v1/command.pb.h"
#include "daemon/control/backend.hpp"

namespace cityedge::control {

// Who sent a command, as the transport established it.
struct Caller {
  enum class Transport { kSocket, kMqtt };
  Transport transport = Transport::kSocket;
  bool may_mutate = false;  // admin on the socket; any verified platform command
  std::string name;         // "uid 1000", "platform key ops-2024", for logs
};

// Commands that change the box (config apply, replay, rebirth, restart-driver)
// need may_mutate; everything else only reads.
[[nodiscard]] bool IsMutating(v1::Command::OpCase op);
// "config_apply", "restart_driver", ... ; "unset" for OP_NOT_SET.
[[nodiscard]] std::string_view OpName(v1::Command::OpCase op);

// THREADING: Handle is safe from several threads at once (the backend locks).
class Dispatcher {
 public:
  // OWNERSHIP: `backend` is borrowed and outlives the dispatcher.
  explicit Dispatcher(Backend& backend) : backend_(backend) {}

  // Runs one command. Tail is a stream and is served by the socket server
  // itself; here it is refused as needing the socket.
  [[nodiscard]] v1::CommandReply Handle(const v1::Command& command, const Caller& caller);

 private:
  v1::CommandReply Run(const v1::Command& command);
  Backend& backend_;
};

// A reply with `code` and `message` for command `id`.
[[nodiscard]] v1::CommandReply MakeReply(const std::string& id, v1::ReplyCode code,
                                         std::string message);
// Maps an error from the backend to the reply code a caller can act on.
[[nodiscard]] v1::ReplyCode ReplyCodeOf(const Error& error);

}  // namespace cityedge::control
