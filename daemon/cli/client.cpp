// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/client.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/core/frame_io.hpp"

namespace cityedge::cli {

Result<Client> Client::Connect(const std::string& path, int timeout_s) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    return MakeError(Code::kInvalidArgument, "socket path {} is too long", path);
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return MakeError(Code::kInternal, "socket: {}", std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM) {
      return MakeError(Code::kPermissionDenied,
                       "permission denied on {}: the control socket is for group cityedge "
                       "(read-only) and cityedge-admin; ask for your user to be added "
                       "(usermod -aG cityedge USER) or use sudo",
                       path);
    }
    if (err == ENOENT || err == ECONNREFUSED) {
      return MakeError(Code::kUnavailable,
                       "cityedged is not running: nothing listens on {} "
                       "(systemctl status cityedged; journalctl -u cityedged)",
                       path);
    }
    return MakeError(Code::kUnavailable, "cannot connect to {}: {}", path, std::strerror(err));
  }
  if (timeout_s > 0) {
    timeval tv{timeout_s, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  return Client(std::move(fd));
}

Status Client::Send(const v1::Command& command) {
  return WriteFrame(fd_.get(), command.SerializeAsString());
}

Result<v1::CommandReply> Client::Receive() {
  std::string frame;
  if (auto s = ReadFrame(fd_.get(), kMaxReplyBytes, &frame); !s) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return MakeError(Code::kDeadlineExceeded, "cityedged did not answer in time");
    }
    return MakeError(Code::kUnavailable, "the daemon closed the connection ({})",
                     s.error().message());
  }
  v1::CommandReply reply;
  if (!reply.ParseFromString(frame)) {
    return MakeError(Code::kDataLoss, "the daemon's reply is not a CommandReply");
  }
  return reply;
}

Result<v1::CommandReply> Ask(const std::string& socket, int timeout_s, const v1::Command& command) {
  auto client = Client::Connect(socket, timeout_s);
  if (!client) return std::unexpected(client.error());
  if (auto s = client->Send(command); !s) return std::unexpected(s.error());
  return client->Receive();
}

}  // namespace cityedge::cli
