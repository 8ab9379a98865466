// SPDX-License-Identifier: Apache-2.0
// The modbus driver against a real Modbus TCP server (python3-pymodbus),
// started by the test on a loopback port chosen at run time. The register
// values are those of modbus_server.py.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <optional>

#include "tests/drivers/pms5003/schema_check.hpp"
#include "tests/fakes/driver_host.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_modbus(uint32_t, uint32_t);

namespace cityedge::drivers::modbus {
namespace {

using fakes::FakeDriverHost;
using fakes::RunningInstance;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A child process; killed and reaped on destruction.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) : argv_(std::move(argv)) { Start(); }
  ~Child() { Stop(); }
  void Start() {
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
};

std::vector<std::string> ServerArgv(const std::string& transport, const std::string& where) {
  return {Env("CITYEDGE_PYTHON", "/usr/bin/python3"),
          Env("CITYEDGE_SOURCE_DIR", ".") + std::string("/tests/drivers/modbus/modbus_server.py"),
          "--" + transport, where};
}

// The Python server on a loopback TCP port.
class Server : public Child {
 public:
  explicit Server(int port) : Child(ServerArgv("tcp", std::to_string(port))) {}
};

std::size_t OpenFds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

const char* const kMap =
    "[{channel: noise, addr: 0, fn: holding, type: u16, scale: 0.1, unit: dB},\n"
    " {channel: temp, addr: 1, fn: holding, type: i16, scale: 0.01, unit: degC},\n"
    " {channel: energy, addr: 2, fn: holding, type: u32, order: abcd, unit: Wh},\n"
    " {channel: level, addr: 4, fn: holding, type: i32, order: cdab, scale: 0.001, offset: 1,\n"
    "  unit: m},\n"
    " {channel: pm2_5, addr: 0, fn: input, type: f32, order: badc, unit: ug/m3},\n"
    " {channel: flow, addr: 2, fn: input, type: f32, order: dcba, scale: 2, unit: m3/h},\n"
    " {channel: pump, addr: 0, fn: coil},\n"
    " {channel: door, addr: 0, fn: discrete}]";

const ce_driver_descriptor* Modbus() {
  return ce_driver_entry_modbus(CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR);
}

// What on_create receives for these settings, by the daemon's validation path;
// `map` is the YAML list of register tables.
std::vector<std::pair<std::string, std::string>> Settings(int port, const std::string& map) {
  const testing::CheckedSettings checked = testing::CheckSettingsText(
      *Modbus(), "transport: tcp\nhost: 127.0.0.1\nport: " + std::to_string(port) +
                     "\nslave_id: 7\npoll_interval: 100ms\nresponse_timeout: 500ms\n"
                     "reconnect_min: 100ms\nreconnect_max: 400ms\nregisters: " +
                     map + "\n");
  for (const auto& p : checked.problems) UNSCOPED_INFO(p);
  REQUIRE(checked.problems.empty());
  return checked.settings;
}

std::optional<fakes::RecordedReading> Last(const FakeDriverHost& h, const std::string& channel) {
  std::optional<fakes::RecordedReading> found;
  for (const auto& r : h.readings()) {
    if (r.channel == channel) found = r;
  }
  return found;
}

bool SawEveryChannel(const FakeDriverHost& h) {
  for (const char* c : {"noise", "temp", "energy", "level", "pm2_5", "flow", "pump", "door"}) {
    if (h.CountChannel(c) == 0) return false;
  }
  return true;
}

TEST_CASE("Mixed types and byte orders arrive scaled with units") {
  const int port = FreePort();
  Server server(port);
  FakeDriverHost host;
  RunningInstance driver(Modbus(), host, Settings(port, kMap));
  REQUIRE(driver.Create().empty());
  driver.Start();
  // The server may still be starting: the driver then retries, offline.
  REQUIRE(host.WaitFor([](const FakeDriverHost& h) {
    return SawEveryChannel(h) && h.LastState() == CE_DRIVER_HEALTH_ONLINE;
  }));
  struct Expect {
    const char* channel;
    double value;
    const char* unit;
  };
  const Expect expected[] = {{"noise", 123.4, "dB"},   {"temp", -2.5, "degC"},
                             {"energy", 70000, "Wh"},  {"level", -122.456, "m"},
                             {"pm2_5", 21.5, "ug/m3"}, {"flow", 6.5, "m3/h"},
                             {"pump", 1, ""},          {"door", 0, ""}};
  for (const Expect& e : expected) {
    INFO(e.channel);
    const auto r = Last(host, e.channel);
    REQUIRE(r.has_value());
    CHECK(r->value == Approx(e.value));
    CHECK(r->unit == e.unit);
  }
  CHECK(driver.Stop() == CE_DRIVER_OK);
}

TEST_CASE("Modbus RTU over a serial line reads the same registers") {
  // socat links two pseudo-terminals: the server's end and the gateway's,
  // standing in for an RS-485 adapter and its cable.
  std::string dir = (std::filesystem::temp_directory_path() / "cityedge-rtu-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  const std::string server_end = dir + "/server";
  const std::string gateway_end = dir + "/gateway";
  Child line({Env("CITYEDGE_SOCAT", "/usr/bin/socat"), "pty,raw,echo=0,link=" + server_end,
              "pty,raw,echo=0,link=" + gateway_end});
  for (int i = 0;
       i < 500 && !(std::filesystem::exists(server_end) && std::filesystem::exists(gateway_end));
       ++i) {
    ::usleep(10'000);
  }
  REQUIRE(std::filesystem::exists(gateway_end));
  Child server(ServerArgv("rtu", server_end));
  FakeDriverHost host;
  auto settings = Settings(502, kMap);  // the port is unused over RTU
  settings[0].second = "rtu";
  settings.push_back({"device", gateway_end});
  RunningInstance driver(Modbus(), host, settings);
  REQUIRE(driver.Create().empty());
  driver.Start();
  REQUIRE(host.WaitFor([](const FakeDriverHost& h) {
    return SawEveryChannel(h) && h.LastState() == CE_DRIVER_HEALTH_ONLINE;
  }));
  CHECK(Last(host, "pm2_5")->value == Approx(21.5));
  CHECK(Last(host, "level")->value == Approx(-122.456));
  CHECK(Last(host, "energy")->value == Approx(70000));
  CHECK(driver.Stop() == CE_DRIVER_OK);
  server.Stop();
  line.Stop();
  std::filesystem::remove_all(dir);
}

TEST_CASE("Server stopped and restarted: offline, then online, without fd growth") {
  const int port = FreePort();
  Server server(port);
  FakeDriverHost host;
  RunningInstance driver(Modbus(), host, Settings(port, kMap));
  REQUIRE(driver.Create().empty());
  driver.Start();
  REQUIRE(host.WaitFor(
      [](const FakeDriverHost& h) { return h.LastState() == CE_DRIVER_HEALTH_ONLINE; }));
  const std::size_t fds_online = OpenFds();

  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    server.Stop();
    // Wait until the backoff reached its cap: several failed connects happened.
    REQUIRE(host.WaitFor([](const FakeDriverHost& h) {
      return h.LastState() == CE_DRIVER_HEALTH_OFFLINE &&
             h.health().back().reason.find("retrying in 400 ms") != std::string::npos;
    }));
    CHECK_THAT(host.health().back().reason, Catch::Contains("127.0.0.1:" + std::to_string(port)));
    server.Start();
    const std::size_t before = host.readings().size();
    REQUIRE(host.WaitFor([&](const FakeDriverHost& h) {
      return h.LastState() == CE_DRIVER_HEALTH_ONLINE && h.readings().size() > before;
    }));
    CHECK(OpenFds() <= fds_online);
  }
  CHECK(driver.Stop() == CE_DRIVER_OK);
}

// Asks for reads until `done` holds; each read that finds the link down makes
// the driver try it again at once.
bool ReadUntil(RunningInstance& driver, FakeDriverHost& host,
               const std::function<bool(const FakeDriverHost&)>& done) {
  for (int attempt = 0; attempt < 60; ++attempt) {
    (void)driver.ReadNow();
    if (host.WaitFor(done, std::chrono::seconds(1))) return true;
  }
  return false;
}

TEST_CASE("A calibration read polls at once; with the link down it says so and reconnects") {
  const int port = FreePort();
  auto server = std::make_unique<Server>(port);
  FakeDriverHost host;
  auto settings = Settings(port, "[{channel: noise, addr: 0, scale: 0.1, unit: dB}]");
  // An hour between rounds and before every reconnect: within the test, only
  // a read can poll or reconnect.
  for (auto& [key, value] : settings) {
    if (key == "poll_interval" || key == "reconnect_min" || key == "reconnect_max") {
      value = "3600000";
    }
  }
  RunningInstance driver(Modbus(), host, settings);
  REQUIRE(driver.Create().empty());
  driver.Start();
  // The server may still be starting.
  REQUIRE(ReadUntil(driver, host,
                    [](const FakeDriverHost& h) { return h.CountChannel("noise") >= 1; }));
  const std::size_t first = host.CountChannel("noise");
  for (std::size_t read = 1; read <= 3; ++read) {
    INFO("read " << read);
    CHECK(driver.ReadNow().empty());
    REQUIRE(host.WaitFor(
        [&](const FakeDriverHost& h) { return h.CountChannel("noise") == first + read; }));
    CHECK(host.readings().back().value == Approx(123.4));
  }

  server.reset();
  // The first read finds the link gone; the next ones are told so.
  CHECK(driver.ReadNow().empty());
  REQUIRE(host.WaitFor(
      [](const FakeDriverHost& h) { return h.LastState() == CE_DRIVER_HEALTH_OFFLINE; }));
  const std::string refused = driver.ReadNow();
  CHECK_THAT(refused, Catch::Contains("not connected") &&
                          Catch::Contains("127.0.0.1:" + std::to_string(port)) &&
                          Catch::Contains("reconnecting now"));
  CHECK(host.CountChannel("noise") == first + 3);

  server = std::make_unique<Server>(port);
  REQUIRE(ReadUntil(driver, host, [&](const FakeDriverHost& h) {
    return h.CountChannel("noise") > first + 3 && h.LastState() == CE_DRIVER_HEALTH_ONLINE;
  }));
  CHECK(driver.ReadNow().empty());
  CHECK(driver.Stop() == CE_DRIVER_OK);
}

TEST_CASE("A Modbus exception is reported by name and costs only its channel") {
  const int port = FreePort();
  Server server(port);
  FakeDriverHost host;
  RunningInstance driver(Modbus(), host,
                         Settings(port,
                                  "[{channel: noise, addr: 0, scale: 0.1, unit: dB},"
                                  " {channel: ghost, addr: 500, fn: holding}]"));
  REQUIRE(driver.Create().empty());
  driver.Start();
  // The server may still be starting; wait for the answer to the ghost.
  REQUIRE(host.WaitFor([](const FakeDriverHost& h) {
    return h.LastState() == CE_DRIVER_HEALTH_DEGRADED &&
           h.health().back().reason.find("registers failed") != std::string::npos;
  }));
  CHECK_THAT(host.health().back().reason,
             Catch::Contains("1 of 2 registers failed") && Catch::Contains("channel ghost") &&
                 Catch::Contains("ILLEGAL DATA ADDRESS (exception 2)"));
  REQUIRE(host.WaitFor([](const FakeDriverHost& h) { return h.CountChannel("noise") > 0; }));
  CHECK(host.CountChannel("ghost") == 0);
  CHECK(driver.Stop() == CE_DRIVER_OK);
}

TEST_CASE("Bad settings are refused naming the entry and key") {
  FakeDriverHost host;
  const testing::CheckedSettings bad_type = testing::CheckSettingsText(
      *Modbus(), "host: h\nregisters: [{channel: a, addr: 1}, {channel: b, addr: 2, type: f64}]");
  REQUIRE(bad_type.problems.size() == 1);
  CHECK_THAT(bad_type.problems[0], Catch::Contains("settings.registers[1].type: expected one of "
                                                   "u16, i16, u32, i32, f32, bit, got \"f64\""));
  auto settings = Settings(1502,
                           "[{channel: a, addr: 1}, {channel: b, addr: 2, fn: coil, "
                           "type: f32}]");
  RunningInstance bad_map(Modbus(), host, settings);
  CHECK_THAT(bad_map.Create(), Catch::Contains("registers[1]: type=f32 does not fit fn=coil"));

  settings = Settings(1502, "[{channel: a, addr: 1}]");
  settings[1].second = "";
  RunningInstance no_host(Modbus(), host, settings);
  CHECK_THAT(no_host.Create(), Catch::Contains("host: required when transport is tcp"));
}

}  // namespace
}  // namespace cityedge::drivers::modbus
