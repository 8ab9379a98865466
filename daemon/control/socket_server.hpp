// SPDX-License-Identifier: Apache-2.0
// The control socket of the cityedge CLI (DESIGN.md §3.7): a unix stream
// socket, mode 0660 and owned by the control group, carrying length-prefixed
// Command / CommandReply frames (frame_io.hpp). Every connection's peer is
// checked with SO_PEERCRED and SO_PEERGROUPS: root, the daemon's own user and
// members of the admin group may run every command; members of the control
// group the read-only ones; anyone else is refused before a command is read.
// The socket file belongs to the control group, so admins are members of
// both groups.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/control/backend.hpp"
#include "daemon/control/dispatcher.hpp"
#include "daemon/core/status.hpp"
#include "daemon/core/unique_fd.hpp"

namespace cityedge::control {

struct SocketOptions {
  std::string path;
  std::string group;        // read-only commands
  std::string admin_group;  // every command
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_clients = 8;
};

// What the peer of a connection may do.
enum class PeerRole { kRefused, kReader, kAdmin };

// The role of a peer with these credentials (`groups` are its supplementary
// groups); a group id of -1 means the group does not exist on this system.
[[nodiscard]] PeerRole RoleOf(uid_t uid, gid_t gid, const std::vector<gid_t>& groups,
                              uid_t daemon_uid, gid_t reader_gid, gid_t admin_gid);

// THREADING: one accept thread and one thread per connection; Stop from any
// thread. The dispatcher and backend are called from connection threads.
class ControlServer {
 public:
  // Creates the socket (replacing a stale socket file, refusing to replace
  // anything else), sets its mode and group, and starts accepting.
  // OWNERSHIP: dispatcher and backend are borrowed and outlive the server.
  [[nodiscard]] static Result<std::unique_ptr<ControlServer>> Start(SocketOptions options,
                                                                    Dispatcher& dispatcher,
                                                                    Backend& backend);
  ~ControlServer();  // Stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Closes the socket, ends every connection (tails included) and joins the
  // threads; removes the socket file. Idempotent.
  void Stop();

 private:
  struct Connection {
    UniqueFd fd;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  ControlServer(SocketOptions options, Dispatcher& dispatcher, Backend& backend, UniqueFd listen_fd,
                UniqueFd wake_fd, gid_t reader_gid, gid_t admin_gid);
  void AcceptLoop();
  void Serve(Connection& connection);
  void ServeTail(int fd, const v1::Command& command);
  void ReapFinished();

  const SocketOptions options_;
  Dispatcher& dispatcher_;
  Backend& backend_;
  UniqueFd listen_fd_;
  UniqueFd wake_fd_;  // eventfd that wakes the accept loop at Stop
  const gid_t reader_gid_;
  const gid_t admin_gid_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::list<Connection> connections_;
};

}  // namespace cityedge::control
