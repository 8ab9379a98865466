// SPDX-License-Identifier: Apache-2.0
// The control plane end to end: the real cityedged with a replay driver, the
// real cityedge CLI over the control socket, a real mosquitto carrying signed
// downlink commands from a Python stand-in for the platform, and the platform
// subscriber receiving replays.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "cityedge/v1/command.pb.h"
#include "daemon/control/signature.hpp"
#include "daemon/crypto/crypto.hpp"
#include "tests/integration/pipelines_e2e/e2e_support.hpp"
#include "tests/integration/support/mosquitto.hpp"
#include "tests/integration/support/platform.hpp"
#include "tests/support/process.hpp"

namespace cityedge::testing {
namespace {

using e2e::DumpReader;
using e2e::Gateway;
using namespace std::chrono_literals;

constexpr const char* kGateway = "gw-ctl";

std::string Config(const std::string& dir, const std::string& broker, const std::string& extra,
                   const std::string& mqtt_version = "5") {
  return fmt::format(R"(gateway: {{id: {gw}, site: "Control test bench"}}
journal: {{path: journal.db}}
uplink:
  brokers: ["{broker}"]
  mqtt_version: "{mqtt_version}"
  first_connect_delay_max: 0s
  backoff_max: 1s
control:
  socket_path: {dir}/control.sock
  group: dialout
  admin_group: video
  max_command_bytes: 1KiB
  trust_unsynced_clock: true
  platform_keys:
    - {{id: ops, public_key_file: {dir}/platform.pem}}
drivers:
  - id: t1
    type: replay
    settings: {{path: {dir}/t.csv, rate: 10, loop: true}}
{extra})",
                     fmt::arg("gw", kGateway), fmt::arg("broker", broker), fmt::arg("dir", dir),
                     fmt::arg("extra", extra), fmt::arg("mqtt_version", mqtt_version));
}

const char* kPipeline = R"(pipelines:
  - id: warm
    type: threshold
    inputs: [t1/temp]
    settings: {high: 1000, stale_after: 5m}
)";

struct Cli {
  std::string socket;
  RunResult operator()(std::vector<std::string> args,
                       const std::vector<std::string>& prefix = {}) const {
    std::vector<std::string> command = {EnvOr("CITYEDGE_CLI", "cityedge"), "--socket", socket};
    command.insert(command.end(), args.begin(), args.end());
    std::vector<std::string> argv = prefix;
    for (std::string& word : WithEmulator(command)) argv.push_back(std::move(word));
    return Run(argv, 30s);
  }
};

bool WaitForFile(const std::string& path, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (std::filesystem::exists(path)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

struct Bench {
  TempDir dir;
  std::unique_ptr<Mosquitto> broker;
  crypto::Ed25519Signer platform = *crypto::Ed25519Signer::Generate();
  crypto::Ed25519Signer stranger = *crypto::Ed25519Signer::Generate();
  std::optional<Gateway> gateway;
  Cli cli{dir.Join("control.sock")};
  std::string dump = dir.Join("platform.jsonl");
  std::optional<PlatformSubscriber> subscriber;
  std::string mqtt_version;

  explicit Bench(std::string version = "5") : mqtt_version(std::move(version)) {
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);  // setpriv'd CLIs must reach the socket
    auto b = Mosquitto::Start(dir.path(), {});
    REQUIRE(b);
    broker = std::move(*b);
    WriteFile(dir.Join("platform.pem"), platform.public_pem());
    WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
    auto s = PlatformSubscriber::Start({"--port", std::to_string(broker->port()), "--gateway",
                                        kGateway, "--timeout", "300", "--dump", dump});
    REQUIRE(s);
    subscriber = std::move(*s);
    REQUIRE(subscriber->WaitSubscribed(1, 20s));
    StartGateway();
  }

  void StartGateway() {
    auto g = Gateway::Start(dir.path(), Config(dir.path(), broker->uri(), "", mqtt_version));
    REQUIRE(g);
    gateway = std::move(*g);
    REQUIRE(WaitForFile(cli.socket, 10s));
    // Commands published before the uplink subscribed would be lost, and
    // counters read before the driver is listed would be empty.
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
      const RunResult status = cli({"status"});
      ready = status.output.find("connected to tcp") != std::string::npos && Restarts() != "?";
      if (!ready) std::this_thread::sleep_for(50ms);
    }
    INFO(gateway->LogTail());
    REQUIRE(ready);
  }

  std::string Signed(const v1::Command& command, const crypto::Ed25519Signer& key,
                     const std::string& key_id = "ops") const {
    v1::SignedCommand s;
    s.set_command(command.SerializeAsString());
    s.set_signature(key.Sign(s.command()));
    s.set_key_id(key_id);
    return s.SerializeAsString();
  }

  // Publishes each (name, payload) as a downlink command; returns name -> reply JSON line.
  std::map<std::string, std::string> Send(
      const std::vector<std::pair<std::string, std::string>>& commands) {
    std::vector<std::string> argv = {
        EnvOr("CITYEDGE_PYTHON", "/usr/bin/python3"),
        EnvOr("CITYEDGE_SOURCE_DIR", ".") + "/tests/integration/control/send_commands.py",
        "--port",
        std::to_string(broker->port()),
        "--gateway",
        kGateway,
        "--proto-dir",
        EnvOr("CITYEDGE_PROTO_PYTHON_DIR", "."),
        "--mqtt-version",
        mqtt_version};
    for (const auto& [name, payload] : commands) {
      WriteFile(dir.Join(name), payload);
      argv.push_back(dir.Join(name));
    }
    const RunResult r = Run(argv, 120s);
    INFO(r.output);
    REQUIRE(r.status == 0);
    std::map<std::string, std::string> out;
    std::istringstream lines(r.output);
    std::string line;
    while (std::getline(lines, line)) {
      const auto at = line.find("\"name\": \"");
      if (at == std::string::npos) continue;
      const auto start = at + 9;
      out[line.substr(start, line.find('"', start) - start)] = line;
    }
    return out;
  }

  // The driver's restart counter as `cityedge drivers --json` reports it.
  std::string Restarts() const {
    const RunResult r = cli({"--json", "drivers"});
    const auto at = r.output.find("\"t1.restarts\",\"value\":\"");
    return at == std::string::npos
               ? "?"
               : r.output.substr(at + 23, r.output.find('"', at + 23) - at - 23);
  }

  // How many times t1 was stopped, as the platform saw it in DriverStatus
  // events: the visible effect of restart-driver.
  int StopsSeen() {
    DumpReader reader(dump);
    (void)e2e::PollUntil(
        reader, [] { return false; }, 1500ms);  // let in-flight events land
    int stops = 0;
    for (const auto& e : reader.Distinct()) {
      if (e.event.has_driver_status() && e.event.driver_status().instance() == "t1" &&
          e.event.driver_status().state() == v1::COMPONENT_STATE_STOPPED) {
        ++stops;
      }
    }
    return stops;
  }
};

v1::Command MakeCommand(const std::string& id, std::int64_t expires_in_ms = 60'000) {
  v1::Command c;
  c.set_id(id);
  c.set_gateway_id(kGateway);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  c.set_issued_at_unix_ms(now_ms);
  c.set_expires_at_unix_ms(now_ms + expires_in_ms);
  return c;
}

v1::Command RestartT1(const std::string& id) {
  v1::Command c = MakeCommand(id);
  c.mutable_restart_driver()->set_instance("t1");
  return c;
}

TEST_CASE("every cityedge subcommand works against a running daemon, as tables and as JSON") {
  Bench b;
  // The replay driver is up and readings reach the journal.
  RunResult r;
  for (int i = 0; i < 100; ++i) {
    r = b.cli({"drivers"});
    if (r.output.find("COMPONENT_STATE_ONLINE") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  INFO(r.output << b.gateway->LogTail());
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("ID") && Catch::Contains("t1") && Catch::Contains("replay"));

  r = b.cli({"status"});
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("gateway") && Catch::Contains(kGateway) &&
                           Catch::Contains("connected to tcp://127.0.0.1"));
  r = b.cli({"--json", "status"});
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::StartsWith("{\"id\":\"cli-") &&
                           Catch::Contains("\"code\":\"REPLY_CODE_OK\"") &&
                           Catch::Contains("{\"key\":\"gateway\",\"value\":\"gw-ctl\"}"));

  for (const char* sub : {"backlog", "pipelines"}) {
    INFO(sub);
    CHECK(b.cli({sub}).status == 0);
    CHECK_THAT(b.cli({"--json", sub}).output, Catch::Contains("REPLY_CODE_OK"));
  }
  CHECK_THAT(b.cli({"backlog"}).output,
             Catch::Contains("rows.telemetry") && Catch::Contains("durable_seq"));

  r = b.cli({"read", "t1"});
  CHECK(r.status == 0);
  CHECK_THAT(r.output,
             Catch::Contains("t1") && Catch::Contains("temp=") && Catch::Contains("degC"));
  CHECK_THAT(b.cli({"--json", "read", "t1"}).output, Catch::Contains("\"channel\":\"temp\""));
  r = b.cli({"read", "nope"});
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("no running driver instance 'nope'"));

  // tail follows: the first lines arrive while it runs; --json gives one Event per line.
  for (bool json : {false, true}) {
    std::vector<std::string> argv = {EnvOr("CITYEDGE_CLI", "cityedge"), "--socket", b.cli.socket};
    if (json) argv.push_back("--json");
    for (const char* a : {"tail", "--source", "t1", "--class", "telemetry"}) argv.push_back(a);
    auto tail = Process::Spawn(argv, true);
    REQUIRE(tail);
    auto line = tail->ReadLine(10s);
    REQUIRE(line);
    if (json) {
      CHECK_THAT(*line, Catch::StartsWith("{\"seq\":") && Catch::Contains("\"source\":\"t1\""));
    } else {
      CHECK_THAT(*line,
                 Catch::Contains("telemetry") && Catch::Contains("t1") && Catch::Contains("temp="));
    }
    tail->Signal(SIGTERM);
    CHECK(tail->Wait(5s).has_value());
  }

  r = b.cli({"config", "show"});
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("# config_hash: ") && Catch::Contains("id: gw-ctl"));
  WriteFile(b.dir.Join("bad.yaml"),
            "gateway: {id: gw-ctl}\nuplink: {brokers: [\"tcp://x:1\"]}\ndrivers:\n  - id: a\n    "
            "type: nosuch\n");
  r = b.cli({"config", "check", b.dir.Join("bad.yaml")});
  CHECK(r.status == 65);
  CHECK_THAT(r.output, Catch::Contains("<command>:5:11") && Catch::Contains("nosuch"));
  WriteFile(b.dir.Join("good.yaml"), Config(b.dir.path(), b.broker->uri(), kPipeline));
  r = b.cli({"config", "check", b.dir.Join("good.yaml")});
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("config is valid"));

  r = b.cli({"restart-driver", "t1"});
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("driver t1 restarted"));
  r = b.cli({"rebirth"});
  CHECK(r.status == 0);
  r = b.cli({"snapshot", "t1", "-o", b.dir.Join("s.jpg")});
  CHECK(r.status == 1);
  CHECK_THAT(r.output,
             Catch::Contains("t1 gives no frames: snapshots come from camera and thermal"));
  CHECK_FALSE(std::filesystem::exists(b.dir.Join("s.jpg")));

  // Usage errors and a daemon that is not running have their own exit codes.
  CHECK(b.cli({"replay"}).status == 64);
  CHECK(b.cli({"frobnicate"}).status == 64);
  const RunResult help = b.cli({"--help"});
  CHECK(help.status == 0);
  CHECK_THAT(help.output, Catch::Contains("restart-driver") && Catch::Contains("Exit codes"));
  REQUIRE(b.gateway->Stop(10s) == 0);
  r = b.cli({"status"});
  CHECK(r.status == 69);
  CHECK_THAT(r.output, Catch::Contains("cityedged is not running"));
}

TEST_CASE("config apply runs a new config, and rolls back one that fails to start") {
  Bench b;
  const std::string before = b.cli({"--json", "config", "show"}).output;
  const auto hash_of = [](const std::string& json) {
    const auto at = json.find("\"config_hash\",\"value\":\"");
    return at == std::string::npos ? std::string() : json.substr(at + 23, 64);
  };
  const std::string old_hash = hash_of(before);
  REQUIRE(old_hash.size() == 64);

  // A Modbus station that does not exist, marked required: valid, but cannot start.
  const int dead_port = FreeLoopbackPort();
  const std::string broken = Config(b.dir.path(), b.broker->uri(),
                                    fmt::format(R"(  - id: aqm9
    type: modbus
    required: true
    settings:
      transport: tcp
      host: 127.0.0.1
      port: {}
      poll_interval: 1s
      registers: [{{channel: pm2_5, addr: 0, fn: input, type: u16, unit: ug/m3}}]
)",
                                                dead_port));
  WriteFile(b.dir.Join("broken.yaml"), broken);
  CHECK(b.cli({"config", "check", b.dir.Join("broken.yaml")}).status == 0);
  RunResult r = b.cli({"config", "apply", b.dir.Join("broken.yaml")});
  INFO(r.output << b.gateway->LogTail());
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("rolled back") && Catch::Contains("aqm9"));
  CHECK(hash_of(b.cli({"--json", "config", "show"}).output) == old_hash);
  CHECK_THAT(ReadFile(b.dir.Join("config.yaml")), !Catch::Contains("aqm9"));
  r = b.cli({"drivers"});
  CHECK_THAT(r.output, Catch::Contains("t1") && !Catch::Contains("aqm9"));

  // A stale expected hash is refused before anything happens.
  WriteFile(b.dir.Join("next.yaml"), Config(b.dir.path(), b.broker->uri(), kPipeline));
  r = b.cli({"config", "apply", "--expect-hash", std::string(64, 'a'), b.dir.Join("next.yaml")});
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("changed since you read it") ||
                           Catch::Contains("changed since it was read"));

  r = b.cli({"--json", "config", "apply", "--expect-hash", old_hash, b.dir.Join("next.yaml")});
  CHECK(r.status == 0);
  const std::string new_hash = hash_of(r.output);
  CHECK(new_hash.size() == 64);
  CHECK(new_hash != old_hash);
  CHECK_THAT(b.cli({"pipelines"}).output, Catch::Contains("warm") && Catch::Contains("threshold"));
  CHECK_THAT(ReadFile(b.dir.Join("config.yaml")), Catch::Contains("id: warm"));
  // The platform hears the new hash in a fresh birth message.
  DumpReader reader(b.dump);
  CHECK(e2e::PollUntil(
      reader,
      [&] {
        for (const auto& s : reader.states())
          if (s.config_hash() == new_hash) return true;
        return false;
      },
      15s));
  // Identity and storage cannot change in place.
  std::string moved = Config(b.dir.path(), b.broker->uri(), kPipeline);
  e2e::ReplaceAll(moved, "journal.db", "other.db");
  WriteFile(b.dir.Join("moved.yaml"), moved);
  r = b.cli({"config", "apply", b.dir.Join("moved.yaml")});
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("journal cannot change while running"));
}

TEST_CASE("replay of a seq range re-delivers exactly those events, flagged historical") {
  Bench b;
  DumpReader reader(b.dump);
  REQUIRE(e2e::PollUntil(
      reader, [&] { return reader.Distinct().size() >= 30; }, 30s));
  const std::size_t live_batches_before = reader.received().size();
  (void)live_batches_before;
  RunResult r = b.cli({"replay", "--seq", "5..12", "--rate", "1000"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("replaying 8 event(s)"));
  std::vector<std::uint64_t> replayed;
  REQUIRE(e2e::PollUntil(
      reader,
      [&] {
        replayed.clear();
        std::map<std::uint64_t, int> count;
        for (const auto& e : reader.received()) count[e.event.seq()]++;
        for (const auto& e : reader.received()) {
          if (e.historical && e.event.seq() >= 5 && e.event.seq() <= 12 &&
              count[e.event.seq()] >= 2) {
            replayed.push_back(e.event.seq());
          }
        }
        return replayed.size() >= 8;
      },
      20s));
  std::sort(replayed.begin(), replayed.end());
  replayed.erase(std::unique(replayed.begin(), replayed.end()), replayed.end());
  CHECK(replayed == std::vector<std::uint64_t>{5, 6, 7, 8, 9, 10, 11, 12});
  // Nothing outside the range was sent twice.
  std::map<std::uint64_t, int> count;
  for (const auto& e : reader.received()) count[e.event.seq()]++;
  for (const auto& [seq, n] : count) {
    if (seq < 5 || seq > 12) {
      INFO("seq " << seq);
      CHECK(n == 1);
    }
  }
  CHECK(b.cli({"replay", "--seq", "12..5"}).status == 65);
}

// UTC ISO 8601 to the nanosecond, as `cityedge replay --from/--to` takes it.
std::string IsoNs(std::int64_t unix_ns) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  REQUIRE(std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm) > 0);
  return fmt::format("{}.{:09}Z", text, unix_ns % 1'000'000'000);
}

TEST_CASE("replay of a capture-time range re-delivers exactly the events captured in it") {
  Bench b;
  DumpReader reader(b.dump);
  // Every journaled event up to the newest delivered one has arrived, and
  // later ones are captured after the window chosen from these.
  REQUIRE(e2e::PollUntil(
      reader,
      [&] {
        const auto events = reader.Distinct();
        return events.size() >= 60 && e2e::UnaccountedSeqs(events).empty();
      },
      30s));
  std::vector<std::pair<std::int64_t, std::uint64_t>> captured;  // (capture ns, seq)
  for (const auto& e : reader.Distinct()) {
    captured.emplace_back(e.event.capture_time().wall_unix_ns(), e.event.seq());
  }
  std::sort(captured.begin(), captured.end());
  const std::int64_t from = captured[10].first;
  const std::int64_t to = captured[30].first;
  std::set<std::uint64_t> expected;
  for (const auto& [ns, seq] : captured) {
    if (ns >= from && ns <= to) expected.insert(seq);
  }
  REQUIRE(expected.size() >= 21);

  // Events drained from the backlog after connecting are historical too; only
  // what arrives after the command counts.
  const std::size_t before = reader.received().size();
  RunResult r = b.cli({"replay", "--from", IsoNs(from), "--to", IsoNs(to), "--rate", "1000"});
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains(fmt::format("replaying {} event(s)", expected.size())));
  std::set<std::uint64_t> replayed;
  REQUIRE(e2e::PollUntil(
      reader,
      [&] {
        replayed.clear();
        const auto& received = reader.received();
        for (std::size_t i = before; i < received.size(); ++i) {
          if (received[i].historical) replayed.insert(received[i].event.seq());
        }
        return replayed.size() >= expected.size();
      },
      20s));
  CHECK(replayed == expected);

  // Times the CLI cannot read are refused as usage errors before anything is sent.
  for (const char* bad : {"2026-11-28T14:00:00.5Q", "2026-11-28 14:00", "2026-11-28T14:00:00.",
                          "2026-11-28T14:00:00.1234567891"}) {
    INFO(bad);
    r = b.cli({"replay", "--from", bad});
    CHECK(r.status == 64);
    CHECK_THAT(r.output, Catch::Contains("is not UTC ISO 8601"));
  }
}

TEST_CASE("snapshot returns a pixelated JPEG of a camera's newest frame") {
  if (std::string(CITYEDGE_CONTROL_TEST_HAS_CAMERA) != "1") {
    WARN("built without OpenCV: no camera driver, snapshot is refused (checked above)");
    return;
  }
  const std::string video = EnvOr("CITYEDGE_MEDIA_DIR", ".") + "/vtest.avi";
  REQUIRE(std::filesystem::exists(video));
  TempDir dir;
  auto broker = Mosquitto::Start(dir.path(), {});
  REQUIRE(broker);
  WriteFile(dir.Join("platform.pem"), crypto::Ed25519Signer::Generate()->public_pem());
  WriteFile(dir.Join("t.csv"), e2e::TemperatureRampCsv());
  const std::string camera = fmt::format(
      "  - id: cam1\n    type: camera\n    settings: {{source: {}, loop: true}}\n", video);
  auto gateway = Gateway::Start(dir.path(), Config(dir.path(), (*broker)->uri(), camera));
  REQUIRE(gateway);
  const Cli cli{dir.Join("control.sock")};
  REQUIRE(WaitForFile(cli.socket, 10s));
  RunResult r;
  for (int i = 0; i < 100; ++i) {
    r = cli({"snapshot", "cam1", "--max-width", "320", "-o", dir.Join("cam1.jpg")});
    if (r.status == 0) break;
    std::this_thread::sleep_for(100ms);
  }
  INFO(r.output << gateway->LogTail());
  REQUIRE(r.status == 0);
  const std::string jpeg = ReadFile(dir.Join("cam1.jpg"));
  REQUIRE(jpeg.size() > 1000);
  CHECK(static_cast<unsigned char>(jpeg[0]) == 0xFF);
  CHECK(static_cast<unsigned char>(jpeg[1]) == 0xD8);
  // Scaled to the width asked for: the SOF0 frame header holds height then width.
  const auto sof = jpeg.find("\xFF\xC0");
  REQUIRE(sof != std::string::npos);
  const int width =
      (static_cast<unsigned char>(jpeg[sof + 7]) << 8) | static_cast<unsigned char>(jpeg[sof + 8]);
  CHECK(width == 320);
  CHECK_THAT(cli({"--json", "snapshot", "cam1"}).output, Catch::Contains("\"jpeg\":\"/9j/"));
  // A camera has frames, not readings: a read says where to look instead.
  r = cli({"read", "cam1"});
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("gives frames, not readings: `cityedge snapshot cam1`"));
}

TEST_CASE("peers without the control groups are refused at the socket") {
  if (::geteuid() != 0) {
    WARN("not root: setpriv cannot switch users; covered by control_socket_test's RoleOf");
    return;
  }
  Bench b;
  const std::vector<std::string> nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                           "--clear-groups"};
  RunResult r = b.cli({"status"}, nobody);
  CHECK(r.status == 77);
  CHECK_THAT(r.output, Catch::Contains("permission denied"));
  const std::vector<std::string> reader = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                           "--groups=dialout"};
  CHECK(b.cli({"status"}, reader).status == 0);
  r = b.cli({"rebirth"}, reader);
  CHECK(r.status == 77);
  CHECK_THAT(r.output, Catch::Contains("needs root or the control admin group"));
  const std::vector<std::string> admin = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                          "--groups=dialout,video"};
  CHECK(b.cli({"rebirth"}, admin).status == 0);
}

TEST_CASE(
    "signed MQTT commands run; every forged, stale or replayed one is refused without effect") {
  Bench b;
  REQUIRE(b.StopsSeen() == 0);

  const std::string valid = b.Signed(RestartT1("ok-1"), b.platform);
  auto replies = b.Send({{"valid", valid}});
  INFO(replies["valid"]);
  INFO(b.gateway->LogTail());
  CHECK_THAT(replies["valid"], Catch::Contains("\"code\": \"REPLY_CODE_OK\"") &&
                                   Catch::Contains("driver t1 restarted") &&
                                   Catch::Contains("\"id\": \"ok-1\""));
  const int after_valid = b.StopsSeen();
  CHECK(after_valid == 1);

  v1::SignedCommand forged;
  forged.ParseFromString(b.Signed(RestartT1("bad-1"), b.platform));
  v1::Command altered = RestartT1("bad-1");
  altered.set_id("bad-1b");
  forged.set_command(altered.SerializeAsString());
  v1::Command other_gw = RestartT1("bad-3");
  other_gw.set_gateway_id("gw-elsewhere");
  v1::Command big = RestartT1("bad-5");
  big.mutable_restart_driver()->set_instance(std::string(2000, 't'));
  v1::Command unknown_op = MakeCommand("bad-7");
  std::string unknown_bytes = unknown_op.SerializeAsString();
  unknown_bytes += std::string("\xca\x06\x00", 3);  // field 105 (an op of a newer schema), empty
  v1::SignedCommand unknown;
  unknown.set_command(unknown_bytes);
  unknown.set_signature(b.platform.Sign(unknown_bytes));
  unknown.set_key_id("ops");

  replies = b.Send({
      {"forged", forged.SerializeAsString()},
      {"wrong-key", b.Signed(RestartT1("bad-2"), b.stranger)},
      {"unknown-key", b.Signed(RestartT1("bad-2b"), b.stranger, "intruder")},
      {"wrong-gateway", b.Signed(other_gw, b.platform)},
      {"expired", b.Signed(
                      [] {
                        auto c = RestartT1("bad-4");
                        c.set_expires_at_unix_ms(c.issued_at_unix_ms() - 1000);
                        return c;
                      }(),
                      b.platform)},
      {"replayed", valid},
      {"oversized", b.Signed(big, b.platform)},
      {"malformed", std::string("\x0a\x05\x01\x02", 4)},
      {"unknown-op", unknown.SerializeAsString()},
  });
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"forged", {"REPLY_CODE_UNAUTHENTICATED", "does not verify"}},
      {"wrong-key", {"REPLY_CODE_UNAUTHENTICATED", "does not verify"}},
      {"unknown-key", {"REPLY_CODE_UNAUTHENTICATED", "not a platform key"}},
      {"wrong-gateway", {"REPLY_CODE_WRONG_GATEWAY", "gw-elsewhere"}},
      {"expired", {"REPLY_CODE_EXPIRED", "expired"}},
      {"replayed", {"REPLY_CODE_REPLAYED", "already received"}},
      {"oversized", {"REPLY_CODE_TOO_LARGE", "max_command_bytes"}},
      {"malformed", {"REPLY_CODE_INVALID", "not a SignedCommand"}},
      {"unknown-op", {"REPLY_CODE_INVALID", "names no operation"}},
  };
  for (const auto& [name, want] : expected) {
    INFO(name << ": " << replies[name]);
    CHECK_THAT(replies[name], Catch::Contains(want.first) && Catch::Contains(want.second));
  }
  CHECK(b.StopsSeen() == after_valid);  // none of them had an effect

  // The seen id outlives a restart of the daemon.
  REQUIRE(b.gateway->Stop(10s) == 0);
  b.StartGateway();
  replies = b.Send({{"replayed-after-restart", valid}});
  CHECK_THAT(replies["replayed-after-restart"], Catch::Contains("REPLY_CODE_REPLAYED"));
  // The daemon's own stop accounts for one more; the replayed command for none.
  CHECK(b.StopsSeen() == after_valid + 1);
}

TEST_CASE("under MQTT 3.1.1, commands are answered on the reply topic") {
  Bench b("3.1.1");
  v1::Command status = MakeCommand("v311-status");
  status.mutable_status();
  auto replies = b.Send({{"status", b.Signed(status, b.platform)},
                         {"wrong-key", b.Signed(RestartT1("v311-restart"), b.stranger)},
                         {"restart", b.Signed(RestartT1("v311-restart-2"), b.platform)}});
  std::string all;
  for (const auto& [name, reply] : replies) all += name + ": " + reply + "\n";
  INFO(all);
  CHECK_THAT(replies["status"], Catch::Contains("\"code\": \"REPLY_CODE_OK\"") &&
                                    Catch::Contains("\"id\": \"v311-status\"") &&
                                    Catch::Contains("\"gateway\": \"gw-ctl\""));
  CHECK_THAT(replies["wrong-key"], Catch::Contains("REPLY_CODE_UNAUTHENTICATED"));
  CHECK_THAT(replies["restart"], Catch::Contains("\"code\": \"REPLY_CODE_OK\"") &&
                                     Catch::Contains("\"id\": \"v311-restart-2\"") &&
                                     Catch::Contains("driver t1 restarted"));
  CHECK(b.StopsSeen() == 1);
}

}  // namespace
}  // namespace cityedge::testing
