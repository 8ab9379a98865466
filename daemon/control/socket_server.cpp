// SPDX-License-Identifier: Apache-2.0
#include "daemon/control/socket_server.hpp"

#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/core/frame_io.hpp"

namespace cityedge::control {
namespace {

constexpr gid_t kNoGroup = static_cast<gid_t>(-1);
constexpr int kTailPollMs = 250;
constexpr std::size_t kTailBatch = 500;

gid_t GroupId(const std::string& name) {
  if (name.empty()) return kNoGroup;
  std::vector<char> buffer(16384);
  group entry{};
  group* found = nullptr;
  if (getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr) {
    return kNoGroup;
  }
  return found->gr_gid;
}

struct Peer {
  ucred cred{};
  std::vector<gid_t> groups;
};

// The supplementary groups of a running process, from /proc/<pid>/status.
Result<std::vector<gid_t>> GroupsOfProcess(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (!line.starts_with("Groups:")) continue;
    std::istringstream ids(line.substr(7));
    std::vector<gid_t> groups;
    for (gid_t g = 0; ids >> g;) groups.push_back(g);
    return groups;
  }
  return MakeError(Code::kPermissionDenied, "cannot read the groups of pid {}", pid);
}

Result<Peer> PeerOf(int fd) {
  Peer peer;
  socklen_t len = sizeof peer.cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer.cred, &len) != 0) {
    return MakeError(Code::kInternal, "SO_PEERCRED: {}", std::strerror(errno));
  }
  // SO_PEERGROUPS reports the supplementary groups the peer had at connect;
  // ERANGE says how large a buffer it needs.
  for (std::size_t size = 64; size <= 65536; size *= 4) {
    peer.groups.resize(size);
    len = static_cast<socklen_t>(size * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, peer.groups.data(), &len) == 0) {
      peer.groups.resize(len / sizeof(gid_t));
      return peer;
    }
    if (errno != ERANGE) break;
  }
  // Kernels before 4.13 and some emulators (qemu-user) lack SO_PEERGROUPS:
  // ask /proc for the peer process's groups instead. Hidden processes
  // (ProtectProc=invisible) fail here, and the peer gets no group rights.
  auto groups = GroupsOfProcess(peer.cred.pid);
  if (!groups) return std::unexpected(groups.error());
  peer.groups = std::move(*groups);
  return peer;
}

bool Matches(const v1::TailRequest& filter, const v1::Event& event) {
  if (!filter.sources().empty()) {
    const std::string& source = event.source();
    const bool wanted = std::any_of(filter.sources().begin(), filter.sources().end(),
                                    [&source](const std::string& s) {
                                      // "aq1" also matches the pipelines fed by it ("aq1/aqi").
                                      return source == s || source.starts_with(s + "/");
                                    });
    if (!wanted) return false;
  }
  if (!filter.classes().empty()) {
    const int priority = event.priority();
    if (std::find(filter.classes().begin(), filter.classes().end(), priority) ==
        filter.classes().end()) {
      return false;
    }
  }
  return true;
}

Status Send(int fd, const v1::CommandReply& reply) {
  return WriteFrame(fd, reply.SerializeAsString());
}

}  // namespace

PeerRole RoleOf(uid_t uid, gid_t gid, const std::vector<gid_t>& groups, uid_t daemon_uid,
                gid_t reader_gid, gid_t admin_gid) {
  auto member = [&](gid_t wanted) {
    return wanted != kNoGroup &&
           (gid == wanted || std::find(groups.begin(), groups.end(), wanted) != groups.end());
  };
  if (uid == 0 || uid == daemon_uid || member(admin_gid)) return PeerRole::kAdmin;
  if (member(reader_gid)) return PeerRole::kReader;
  return PeerRole::kRefused;
}

Result<std::unique_ptr<ControlServer>> ControlServer::Start(SocketOptions options,
                                                            Dispatcher& dispatcher,
                                                            Backend& backend) {
  sockaddr_un addr{};
  if (options.path.empty() || options.path.size() >= sizeof addr.sun_path) {
    return MakeError(Code::kInvalidArgument, "control.socket_path \"{}\" must be 1 to {} bytes",
                     options.path, sizeof addr.sun_path - 1);
  }
  struct stat st {};
  if (lstat(options.path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return MakeError(Code::kFailedPrecondition,
                       "control socket {} exists and is not a socket; remove it", options.path);
    }
    ::unlink(options.path.c_str());  // stale, from a daemon that did not stop cleanly
  }
  const gid_t reader_gid = GroupId(options.group);
  const gid_t admin_gid = GroupId(options.admin_group);
  if (reader_gid == kNoGroup) {
    spdlog::warn(
        "control: group \"{}\" does not exist; only root, the daemon's user and group "
        "\"{}\" may use {}",
        options.group, options.admin_group, options.path);
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return MakeError(Code::kInternal, "socket: {}", std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, options.path.c_str(), options.path.size());
  // Bound with a umask that leaves nobody else a moment of access.
  const mode_t old_umask = ::umask(0177);
  const int bound = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old_umask);
  if (bound != 0 || ::listen(fd.get(), 16) != 0) {
    const int err = errno;
    return MakeError(Code::kUnavailable, "control socket {}: {}", options.path, std::strerror(err));
  }
  const gid_t owner_gid = reader_gid != kNoGroup ? reader_gid : admin_gid;
  // Under systemd the daemon runs as group cityedge, so the socket already has
  // the right group; chown is needed only elsewhere (the unit's syscall filter
  // denies it).
  struct stat created {};
  const bool regroup = owner_gid != kNoGroup && ::stat(options.path.c_str(), &created) == 0 &&
                       created.st_gid != owner_gid;
  if ((regroup && ::chown(options.path.c_str(), static_cast<uid_t>(-1), owner_gid) != 0) ||
      ::chmod(options.path.c_str(), 0660) != 0) {
    const int err = errno;
    ::unlink(options.path.c_str());
    return MakeError(Code::kPermissionDenied, "control socket {}: setting group/mode: {}",
                     options.path, std::strerror(err));
  }
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC));
  std::unique_ptr<ControlServer> server(new ControlServer(std::move(options), dispatcher, backend,
                                                          std::move(fd), std::move(wake),
                                                          reader_gid, admin_gid));
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

ControlServer::ControlServer(SocketOptions options, Dispatcher& dispatcher, Backend& backend,
                             UniqueFd listen_fd, UniqueFd wake_fd, gid_t reader_gid,
                             gid_t admin_gid)
    : options_(std::move(options)),
      dispatcher_(dispatcher),
      backend_(backend),
      listen_fd_(std::move(listen_fd)),
      wake_fd_(std::move(wake_fd)),
      reader_gid_(reader_gid),
      admin_gid_(admin_gid) {}

ControlServer::~ControlServer() { Stop(); }

void ControlServer::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd fds[2] = {{listen_fd_.get(), POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("control: poll: {}", std::strerror(errno));
      return;
    }
    if (stopping_.load() || (fds[1].revents & POLLIN)) return;
    UniqueFd client(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) continue;
    ReapFinished();
    std::lock_guard lock(mu_);
    if (connections_.size() >= options_.max_clients) {
      (void)Send(client.get(), MakeReply("", v1::REPLY_CODE_FAILED,
                                         fmt::format("{} control clients are connected already; "
                                                     "close one (e.g. a running tail) and retry",
                                                     connections_.size())));
      continue;
    }
    Connection& c = connections_.emplace_back();
    c.fd = std::move(client);
    c.thread = std::thread([this, &c] {
      Serve(c);
      c.done.store(true);
    });
  }
}

void ControlServer::ReapFinished() {
  std::lock_guard lock(mu_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (!it->done.load()) {
      ++it;
      continue;
    }
    it->thread.join();
    it = connections_.erase(it);
  }
}

void ControlServer::Serve(Connection& connection) {
  const int fd = connection.fd.get();
  auto peer = PeerOf(fd);
  if (!peer) {
    spdlog::warn("control: refused a peer whose credentials are unknown: {}", peer.error());
    (void)Send(fd,
               MakeReply("", v1::REPLY_CODE_PERMISSION_DENIED,
                         fmt::format("cannot establish who you are: {}", peer.error().message())));
    return;
  }
  const PeerRole role =
      RoleOf(peer->cred.uid, peer->cred.gid, peer->groups, ::geteuid(), reader_gid_, admin_gid_);
  Caller caller{Caller::Transport::kSocket, role == PeerRole::kAdmin,
                fmt::format("uid {} (pid {})", peer->cred.uid, peer->cred.pid)};
  if (role == PeerRole::kRefused) {
    spdlog::warn("control: refused {}: not root and not in group {} or {}", caller.name,
                 options_.group, options_.admin_group);
    (void)Send(fd, MakeReply("", v1::REPLY_CODE_PERMISSION_DENIED,
                             fmt::format("uid {} may not use the control socket: add the user to "
                                         "group \"{}\" (read-only) or \"{}\" (all commands)",
                                         peer->cred.uid, options_.group, options_.admin_group)));
    return;
  }
  std::string frame;
  while (!stopping_.load()) {
    auto read = ReadFrame(fd, options_.max_frame_bytes, &frame);
    if (!read) {
      if (read.error().code() == Code::kResourceExhausted) {
        (void)Send(fd, MakeReply("", v1::REPLY_CODE_TOO_LARGE, read.error().message()));
      }
      return;
    }
    v1::Command command;
    if (!command.ParseFromString(frame)) {
      (void)Send(fd, MakeReply("", v1::REPLY_CODE_INVALID, "frame is not a Command protobuf"));
      return;
    }
    if (command.op_case() == v1::Command::kTail) {
      ServeTail(fd, command);
      return;
    }
    if (!Send(fd, dispatcher_.Handle(command, caller))) return;
  }
}

void ControlServer::ServeTail(int fd, const v1::Command& command) {
  std::uint64_t next = backend_.DurableSeq() + 1;
  v1::CommandReply started =
      MakeReply(command.id(), v1::REPLY_CODE_OK, fmt::format("following events from seq {}", next));
  started.set_more(true);
  if (!Send(fd, started)) return;
  while (!stopping_.load()) {
    auto events = backend_.EventsFrom(next, kTailBatch);
    v1::CommandReply reply = MakeReply(command.id(), v1::REPLY_CODE_OK, "");
    reply.set_more(true);
    if (events) {
      for (auto& e : *events) {
        next = e.seq() + 1;
        if (Matches(command.tail(), e)) *reply.add_events() = std::move(e);
      }
    }
    if (reply.events_size() > 0 && !Send(fd, reply)) return;
    if (events && events->size() == kTailBatch) continue;
    // Any byte or hangup from the client ends the tail.
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kTailPollMs) > 0) return;
  }
}

void ControlServer::Stop() {
  if (stopping_.exchange(true)) return;
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_.get(), &one, sizeof one);
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mu_);
    // Unblocks connection threads waiting in read.
    for (auto& c : connections_) ::shutdown(c.fd.get(), SHUT_RDWR);
  }
  std::lock_guard lock(mu_);
  for (auto& c : connections_) {
    if (c.thread.joinable()) c.thread.join();
  }
  connections_.clear();
  listen_fd_.Reset();
  wake_fd_.Reset();
  ::unlink(options_.path.c_str());
}

}  // namespace cityedge::control
