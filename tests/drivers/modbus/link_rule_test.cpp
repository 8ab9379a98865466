// SPDX-License-Identifier: Apache-2.0
// The libmodbus client decides when a failed read leaves the link unusable:
// over TCP a late answer could arrive in place of the next one, so a timeout
// closes the connection; on a serial line the next request starts clean after
// the silence, so the port stays open. Real libmodbus against a silent peer.
#include <netinet/in.h>
#include <pty.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "drivers/modbus/modbus_client.hpp"

namespace modbus = cityedge::drivers::modbus;

namespace {

// A TCP listener on a free loopback port that accepts (the kernel completes
// the handshake from the backlog) and never answers.
class SilentTcpPeer {
 public:
  SilentTcpPeer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentTcpPeer() { ::close(fd_); }
  SilentTcpPeer(const SilentTcpPeer&) = delete;
  SilentTcpPeer& operator=(const SilentTcpPeer&) = delete;

  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A pseudo-terminal whose far end nobody reads or writes: a bus with no
// device on it.
class SilentLine {
 public:
  SilentLine() {
    char name[128] = {};
    termios raw{};
    ::cfmakeraw(&raw);
    REQUIRE(::openpty(&master_, &slave_, name, &raw, nullptr) == 0);
    path_ = name;
  }
  ~SilentLine() {
    ::close(slave_);
    ::close(master_);
  }
  SilentLine(const SilentLine&) = delete;
  SilentLine& operator=(const SilentLine&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  int master_ = -1;
  int slave_ = -1;
  std::string path_;
};

modbus::LinkParams Params() {
  modbus::LinkParams p;
  p.response_timeout = std::chrono::milliseconds(100);
  return p;
}

}  // namespace

TEST_CASE("Over TCP a read with no answer closes the link") {
  SilentTcpPeer peer;
  modbus::LinkParams params = Params();
  params.tcp = true;
  params.tcp_params = {"127.0.0.1", peer.port()};
  auto client = modbus::MakeLibmodbusClient(params);
  REQUIRE(client->Connect().has_value());
  REQUIRE(client->connected());

  auto read = client->Read(modbus::Function::kHolding, 0, 2);
  REQUIRE_FALSE(read.has_value());
  CHECK_THAT(read.error().message, Catch::Contains("no answer within the response timeout"));
  CHECK_FALSE(client->connected());
  // The next read says the link is down instead of reusing the doubtful stream.
  auto again = client->Read(modbus::Function::kHolding, 0, 2);
  REQUIRE_FALSE(again.has_value());
  CHECK_THAT(again.error().message, Catch::Contains("not connected"));
  // And a reconnect brings it back.
  CHECK(client->Connect().has_value());
  CHECK(client->connected());
}

TEST_CASE("On a serial line a read with no answer keeps the port open") {
  SilentLine line;
  modbus::LinkParams params = Params();
  params.tcp = false;
  params.rtu_params.device = line.path();
  auto client = modbus::MakeLibmodbusClient(params);
  REQUIRE(client->Connect().has_value());

  for (int i = 0; i < 2; ++i) {
    auto read = client->Read(modbus::Function::kInput, 3, 1);
    REQUIRE_FALSE(read.has_value());
    CHECK_THAT(read.error().message, Catch::Contains("no answer within the response timeout"));
    CHECK(client->connected());
  }
}
