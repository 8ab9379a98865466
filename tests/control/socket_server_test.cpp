// SPDX-License-Identifier: Apache-2.0
#include "daemon/control/socket_server.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "daemon/cli/client.hpp"
#include "daemon/core/frame_io.hpp"
#include "tests/support/process.hpp"

namespace cityedge::control {
namespace {

class FakeBackend final : public Backend {
 public:
  Fields StatusFields() override { return {{"gateway", "gw-test"}}; }
  std::vector<DriverInstanceStatus> Drivers() override {
    return {{"aq1", "replay", v1::COMPONENT_STATE_ONLINE, "reading", 0, 5, 0, 0}};
  }
  std::vector<PipelineInstanceStatus> Pipelines() override { return {}; }
  Fields Backlog() override { return {}; }
  Result<std::vector<v1::Event>> EventsFrom(std::uint64_t first, std::size_t max) override {
    std::vector<v1::Event> out;
    for (const auto& e : events)
      if (e.seq() >= first && out.size() < max) out.push_back(e);
    return out;
  }
  std::uint64_t DurableSeq() override { return durable; }
  Result<std::vector<v1::Event>> ReadNow(const std::string&) override { return events; }
  Result<std::string> Snapshot(const std::string& id, std::uint32_t) override {
    return MakeError(Code::kNotFound, "no camera {}", id);
  }
  Result<std::string> CheckConfig(const std::string&) override { return std::string("hash"); }
  std::pair<std::string, std::string> CurrentConfig() override { return {"gateway: {}", "h"}; }
  Result<std::string> ApplyConfig(const std::string&, const std::string&) override {
    ++applies;
    return std::string("new");
  }
  Result<ReplayPlan> Replay(const v1::ReplayRequest&) override { return ReplayPlan{}; }
  Status Rebirth() override { return OkStatus(); }
  Status RestartDriver(const std::string&) override { return OkStatus(); }

  std::vector<v1::Event> events;
  std::uint64_t durable = 0;
  int applies = 0;
};

v1::Event MakeEvent(std::uint64_t seq, const std::string& source, v1::PriorityClass priority) {
  v1::Event e;
  e.set_seq(seq);
  e.set_source(source);
  e.set_priority(priority);
  return e;
}

struct Server {
  testing::TempDir dir;
  FakeBackend backend;
  Dispatcher dispatcher{backend};
  std::string path = dir.Join("control.sock");
  std::unique_ptr<ControlServer> server;

  explicit Server(std::size_t max_frame = 4096) {
    auto started =
        ControlServer::Start({path, "dialout", "video", max_frame, 2}, dispatcher, backend);
    REQUIRE(started);
    server = std::move(*started);
  }

  v1::CommandReply Ask(const v1::Command& command) {
    auto client = cli::Client::Connect(path, 10);
    REQUIRE(client);
    REQUIRE(client->Send(command));
    auto reply = client->Receive();
    REQUIRE(reply);
    return *reply;
  }
};

TEST_CASE("the control socket is 0660, answers commands, and is removed at stop") {
  Server s;
  struct stat st {};
  REQUIRE(stat(s.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  CHECK(S_ISSOCK(st.st_mode));
  v1::Command c;
  c.set_id("q1");
  c.mutable_drivers();
  const v1::CommandReply reply = s.Ask(c);
  CHECK(reply.code() == v1::REPLY_CODE_OK);
  CHECK(reply.id() == "q1");
  REQUIRE(reply.fields_size() > 1);
  CHECK(reply.fields(0).key() == "aq1.type");
  CHECK(reply.fields(0).value() == "replay");
  s.server->Stop();
  CHECK(stat(s.path.c_str(), &st) != 0);
}

TEST_CASE("oversized and malformed frames are refused with their reason") {
  Server s(256);
  auto client = cli::Client::Connect(s.path, 10);
  REQUIRE(client);
  v1::Command big;
  big.set_id(std::string(1000, 'x'));
  big.mutable_status();
  REQUIRE(client->Send(big));
  auto reply = client->Receive();
  REQUIRE(reply);
  CHECK(reply->code() == v1::REPLY_CODE_TOO_LARGE);
  CHECK_THAT(reply->message(), Catch::Contains("above the limit of 256"));

  // A frame whose body is not a Command: a field with a truncated length.
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, s.path.c_str(), s.path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(WriteFrame(fd, std::string("\x0a\xff\xff", 3)));
  std::string frame;
  REQUIRE(ReadFrame(fd, 4096, &frame));
  v1::CommandReply invalid;
  REQUIRE(invalid.ParseFromString(frame));
  CHECK(invalid.code() == v1::REPLY_CODE_INVALID);
  ::close(fd);
}

TEST_CASE("tail streams new events matching source and class filters") {
  Server s;
  s.backend.durable = 10;
  s.backend.events = {MakeEvent(10, "aq1", v1::PRIORITY_CLASS_TELEMETRY),
                      MakeEvent(11, "aq1", v1::PRIORITY_CLASS_TELEMETRY),
                      MakeEvent(12, "river1/flood", v1::PRIORITY_CLASS_ALARM),
                      MakeEvent(13, "aq1/aqi", v1::PRIORITY_CLASS_DETECTION),
                      MakeEvent(14, "aq10", v1::PRIORITY_CLASS_TELEMETRY)};
  auto client = cli::Client::Connect(s.path, 10);
  REQUIRE(client);
  v1::Command c;
  c.set_id("t");
  c.mutable_tail()->add_sources("aq1");
  REQUIRE(client->Send(c));
  auto started = client->Receive();
  REQUIRE(started);
  CHECK(started->more());
  CHECK(started->events_size() == 0);
  auto batch = client->Receive();
  REQUIRE(batch);
  std::vector<std::uint64_t> seqs;
  for (const auto& e : batch->events()) seqs.push_back(e.seq());
  // Starts after the durable seq at subscribe time; "aq10" is not "aq1".
  CHECK(seqs == std::vector<std::uint64_t>{11, 13});
}

TEST_CASE("peer roles follow uid and groups") {
  const uid_t daemon = 990;
  CHECK(RoleOf(0, 0, {}, daemon, 20, 44) == PeerRole::kAdmin);
  CHECK(RoleOf(990, 990, {}, daemon, 20, 44) == PeerRole::kAdmin);
  CHECK(RoleOf(1000, 1000, {44}, daemon, 20, 44) == PeerRole::kAdmin);
  CHECK(RoleOf(1000, 20, {}, daemon, 20, 44) == PeerRole::kReader);
  CHECK(RoleOf(1000, 1000, {7, 20}, daemon, 20, 44) == PeerRole::kReader);
  CHECK(RoleOf(1000, 1000, {7}, daemon, 20, 44) == PeerRole::kRefused);
  // A group missing on this system grants nothing.
  CHECK(RoleOf(1000, static_cast<gid_t>(-1), {}, daemon, static_cast<gid_t>(-1), 44) ==
        PeerRole::kRefused);
}

// Connects as another user from a child process; returns the reply code the
// daemon sent, or -errno when the connect itself failed.
int AskAs(const std::string& path, uid_t uid, gid_t gid, std::vector<gid_t> groups, bool mutate) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    int result = 0;
    if (::setgroups(groups.size(), groups.data()) != 0 || ::setresgid(gid, gid, gid) != 0 ||
        ::setresuid(uid, uid, uid) != 0) {
      result = -1000;
    } else {
      auto client = cli::Client::Connect(path, 5);
      if (!client) {
        result = client.error().code() == Code::kPermissionDenied ? -EACCES : -1;
      } else {
        v1::Command c;
        c.set_id("as");
        if (mutate)
          c.mutable_rebirth();
        else
          c.mutable_status();
        auto sent = client->Send(c);
        auto reply =
            sent ? client->Receive() : Result<v1::CommandReply>(std::unexpected(sent.error()));
        result = reply ? reply->code() : -2;
      }
    }
    (void)!::write(pipe_fds[1], &result, sizeof result);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  int result = -3;
  (void)!::read(pipe_fds[0], &result, sizeof result);
  ::close(pipe_fds[0]);
  ::waitpid(pid, nullptr, 0);
  return result;
}

TEST_CASE("peers without the control groups are refused; readers may not mutate") {
  if (::geteuid() != 0) {
    WARN("not root: cannot act as other users; peer checks are covered by RoleOf only");
    return;
  }
  Server s;
  REQUIRE(::chmod(s.dir.path().c_str(), 0755) == 0);
  constexpr uid_t kNobody = 65534;
  constexpr gid_t kNoGroup = 65534;
  const gid_t dialout = 20;  // the socket's read-only group in this test
  const gid_t video = 44;    // its admin group
  // The file mode stops a stranger before the daemon sees it...
  CHECK(AskAs(s.path, kNobody, kNoGroup, {}, false) == -EACCES);
  // ... and SO_PEERCRED stops one that got past a loosened mode.
  REQUIRE(::chmod(s.path.c_str(), 0666) == 0);
  CHECK(AskAs(s.path, kNobody, kNoGroup, {}, false) == v1::REPLY_CODE_PERMISSION_DENIED);
  REQUIRE(::chmod(s.path.c_str(), 0660) == 0);
  CHECK(AskAs(s.path, kNobody, kNoGroup, {dialout}, false) == v1::REPLY_CODE_OK);
  CHECK(AskAs(s.path, kNobody, kNoGroup, {dialout}, true) == v1::REPLY_CODE_PERMISSION_DENIED);
  // Admins reach the socket through its group like everyone else.
  CHECK(AskAs(s.path, kNobody, kNoGroup, {video}, true) == -EACCES);
  CHECK(AskAs(s.path, kNobody, kNoGroup, {dialout, video}, true) == v1::REPLY_CODE_OK);
}

}  // namespace
}  // namespace cityedge::control
