// SPDX-License-Identifier: Apache-2.0
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "cityedge/driver.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/host/driver_host.hpp"
#include "tests/host/host_test_support.hpp"

// Test drivers written with the C++ SDK; each exports ce_driver_entry_<name>
// like a built-in driver.
namespace test_drivers {

using cityedge::sdk::Driver;
using cityedge::sdk::Host;
using cityedge::sdk::Result;
using cityedge::sdk::Settings;
using cityedge::sdk::Status;

std::atomic<int> flaky_attempts{0};
std::atomic<bool> stubborn_finished{false};
std::atomic<int> frames_released{0};

template <typename D>
class Base : public Driver {
 public:
  using Driver::Driver;
  static std::span<const ce_driver_setting_spec> Schema() { return {}; }
  static Result<std::unique_ptr<D>> Create(const Settings&, Host host) {
    return std::make_unique<D>(host);
  }
};

// Fails its first two starts, then reads every 10 ms.
class Flaky final : public Base<Flaky> {
 public:
  static constexpr const char* kName = "flaky";
  static constexpr const char* kVersion = "1";
  static constexpr const char* kDescription = "Fails twice, then works";
  using Base::Base;
  Status Start() override {
    if (++flaky_attempts <= 2) return cityedge::sdk::Retry("device unplugged");
    return {};
  }
  Status Run() override {
    while (!host().SleepMs(10)) host().Emit("count", flaky_attempts, "");
    return {};
  }
};

// Ignores stop for 1.5 s while emitting, like a driver stuck in a blocking call.
class Stubborn final : public Base<Stubborn> {
 public:
  static constexpr const char* kName = "stubborn";
  static constexpr const char* kVersion = "1";
  static constexpr const char* kDescription = "Ignores stop";
  using Base::Base;
  Status Run() override {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      host().Emit("x", 1, "");
      host().Info("still busy");
    }
    stubborn_finished = true;
    return {};
  }
};

// Emits three readings, then goes quiet with an expected period of 20 ms.
class Silent final : public Base<Silent> {
 public:
  static constexpr const char* kName = "silent";
  static constexpr const char* kVersion = "1";
  static constexpr const char* kDescription = "Falls silent";
  using Base::Base;
  Status Run() override {
    host().SetExpectedPeriodMs(20);
    for (int i = 0; i < 3; ++i) host().Emit("v", i, "");
    while (!host().SleepMs(50)) {
    }
    return {};
  }
};

class Broken final : public Base<Broken> {
 public:
  static constexpr const char* kName = "broken";
  static constexpr const char* kVersion = "1";
  static constexpr const char* kDescription = "Fails for good";
  using Base::Base;
  Status Run() override { return cityedge::sdk::Fatal("calibration table missing"); }
};

// Emits one 4x2 GRAY8 frame whose buffer must survive until released.
class Framer final : public Base<Framer> {
 public:
  static constexpr const char* kName = "framer";
  static constexpr const char* kVersion = "1";
  static constexpr const char* kDescription = "Emits a frame";
  using Base::Base;
  Status Run() override {
    auto* pixels = new std::uint8_t[8]{1, 2, 3, 4, 5, 6, 7, 8};
    ce_driver_frame frame{};
    frame.pixel_format = CE_DRIVER_PIXEL_GRAY8;
    frame.width = 4;
    frame.height = 2;
    frame.stride = 4;
    frame.data = pixels;
    frame.release = [](void*, const void* data) {
      delete[] static_cast<const std::uint8_t*>(data);
      ++frames_released;
    };
    host().EmitFrame(frame);
    while (!host().SleepMs(50)) {
    }
    return {};
  }
};

// Reports online twice in different words, then degraded for two reasons.
class Chatty final : public Base<Chatty> {
 public:
  static constexpr const char* kName = "chatty";
  static constexpr const char* kVersion = "1";
  static constexpr const char* kDescription = "Reports its health often";
  using Base::Base;
  Status Run() override {
    host().ReportHealth(CE_DRIVER_HEALTH_ONLINE, "connected to sensor");
    host().Emit("v", 1, "");
    host().ReportHealth(CE_DRIVER_HEALTH_ONLINE, "first frame decoded");
    host().ReportHealth(CE_DRIVER_HEALTH_DEGRADED, "no frame for 5 s");
    host().ReportHealth(CE_DRIVER_HEALTH_DEGRADED, "only garbage for 5 s");
    while (!host().SleepMs(50)) {
    }
    return {};
  }
};

}  // namespace test_drivers

CITYEDGE_DRIVER(flaky, test_drivers::Flaky)
CITYEDGE_DRIVER(stubborn, test_drivers::Stubborn)
CITYEDGE_DRIVER(silent, test_drivers::Silent)
CITYEDGE_DRIVER(broken, test_drivers::Broken)
CITYEDGE_DRIVER(framer, test_drivers::Framer)
CITYEDGE_DRIVER(chatty, test_drivers::Chatty)

namespace cityedge::host {
namespace {

using fakes::RecordingSink;
using testing::CountStatus;

DriverRegistry TestRegistry() {
  static constexpr BuiltinDriver kTable[] = {
      {"flaky", &ce_driver_entry_flaky},   {"stubborn", &ce_driver_entry_stubborn},
      {"silent", &ce_driver_entry_silent}, {"broken", &ce_driver_entry_broken},
      {"framer", &ce_driver_entry_framer}, {"chatty", &ce_driver_entry_chatty}};
  DriverRegistry registry;
  REQUIRE(registry.AddBuiltins(kTable).has_value());
  return registry;
}

v1::DriverInstance Instance(const std::string& id, const std::string& type) {
  v1::DriverInstance instance;
  instance.set_id(id);
  instance.set_type(type);
  instance.set_enabled(true);
  instance.set_publish(true);
  return instance;
}

HostOptions FastOptions() {
  HostOptions options;
  options.backoff_initial = std::chrono::milliseconds(20);
  options.backoff_max = std::chrono::milliseconds(30);
  options.monitor_interval = std::chrono::milliseconds(10);
  return options;
}

TEST_CASE("A failing driver is restarted with doubling, capped backoff until it works") {
  test_drivers::flaky_attempts = 0;
  const DriverRegistry registry = TestRegistry();
  RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), FastOptions());
  REQUIRE(host.StartInstance(Instance("f1", "flaky")).has_value());
  REQUIRE(sink.WaitFor(
      [](const auto& e) { return CountStatus(e, "f1", v1::COMPONENT_STATE_ONLINE) == 1; }));
  REQUIRE(host.StopInstance("f1").has_value());

  std::vector<std::string> offline;
  for (const v1::DriverStatus& s : sink.Statuses("f1")) {
    if (s.state() == v1::COMPONENT_STATE_OFFLINE) offline.push_back(s.reason());
    CHECK(s.type() == "flaky");
  }
  REQUIRE(offline.size() == 2);
  CHECK(offline[0] == "device unplugged; restarting in 20 ms");
  CHECK(offline[1] == "device unplugged; restarting in 30 ms");  // 40 capped at 30
  const auto statuses = sink.Statuses("f1");
  CHECK(statuses.back().state() == v1::COMPONENT_STATE_STOPPED);
  CHECK(statuses.back().restarts() == 2);
  for (const v1::Event& e : sink.Events()) {
    if (e.has_driver_status()) CHECK(e.priority() == v1::PRIORITY_CLASS_HEALTH);
  }
}

TEST_CASE("A driver failing for good is not restarted") {
  const DriverRegistry registry = TestRegistry();
  RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), FastOptions());
  REQUIRE(host.StartInstance(Instance("b1", "broken")).has_value());
  REQUIRE(sink.WaitFor(
      [](const auto& e) { return CountStatus(e, "b1", v1::COMPONENT_STATE_OFFLINE) == 1; }));
  const auto status = host.StatusOf("b1");
  REQUIRE(status.has_value());
  CHECK(status->reason == "calibration table missing (not restarted: fix the config)");
  CHECK(status->restarts == 0);
}

TEST_CASE("Status events report changes of state, and new reasons for trouble only") {
  RecordingSink sink;
  const DriverRegistry registry = TestRegistry();
  DriverHost host(registry, sink, clock::Default(), FastOptions());
  REQUIRE(host.StartInstance(Instance("c1", "chatty")).has_value());
  REQUIRE(sink.WaitFor(
      [](const auto& e) { return CountStatus(e, "c1", v1::COMPONENT_STATE_DEGRADED) >= 2; }));
  REQUIRE(host.StopInstance("c1").has_value());
  CHECK(CountStatus(sink.Events(), "c1", v1::COMPONENT_STATE_ONLINE) == 1);
  CHECK(CountStatus(sink.Events(), "c1", v1::COMPONENT_STATE_DEGRADED) == 2);
}

TEST_CASE("A driver that falls silent is reported degraded") {
  const DriverRegistry registry = TestRegistry();
  RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), FastOptions());
  REQUIRE(host.StartInstance(Instance("s1", "silent")).has_value());
  REQUIRE(sink.WaitFor(
      [](const auto& e) { return CountStatus(e, "s1", v1::COMPONENT_STATE_DEGRADED) == 1; }));
  CHECK(host.StatusOf("s1")->reason == "silent: no reading for 3 expected periods of 20 ms");
  CHECK(host.StatusOf("s1")->readings == 3);
}

TEST_CASE("A driver that ignores stop is abandoned and never touches the sink again") {
  test_drivers::stubborn_finished = false;
  {
    const DriverRegistry registry = TestRegistry();
    RecordingSink sink;
    std::size_t events_at_abandon = 0;
    {
      DriverHost host(registry, sink, clock::Default(), FastOptions());
      REQUIRE(host.StartInstance(Instance("st1", "stubborn")).has_value());
      REQUIRE(sink.WaitFor([](const auto& e) { return testing::CountReadings(e, "st1") > 0; }));
      const auto stopped = host.StopInstance("st1");
      REQUIRE_FALSE(stopped.has_value());
      CHECK(stopped.error().code() == Code::kDeadlineExceeded);
      events_at_abandon = sink.Events().size();
      const auto last = sink.Statuses("st1").back();
      CHECK(last.state() == v1::COMPONENT_STATE_OFFLINE);
      CHECK_THAT(last.reason(), Catch::StartsWith("abandoned: did not stop within 1000 ms"));
    }
    CHECK(sink.Events().size() == events_at_abandon);
  }
  // The sink and the host are gone; the driver keeps emitting until it gives
  // up, which must be harmless (ASan runs this test too).
  for (int i = 0; i < 300 && !test_drivers::stubborn_finished; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(test_drivers::stubborn_finished);
}

class KeepingFrames final : public FrameListener {
 public:
  void OnFrame(const Frame& frame) override {
    kept = frame;
    first_pixel = frame.data[0];
  }
  Frame kept;
  int first_pixel = -1;
};

TEST_CASE("Frames reach listeners without a copy and are released once no one holds them") {
  test_drivers::frames_released = 0;
  const DriverRegistry registry = TestRegistry();
  RecordingSink sink;
  KeepingFrames frames;
  DriverHost host(registry, sink, clock::Default(), FastOptions());
  host.AddFrameListener(&frames);
  REQUIRE(host.StartInstance(Instance("cam1", "framer")).has_value());
  REQUIRE(sink.WaitFor(
      [](const auto& e) { return CountStatus(e, "cam1", v1::COMPONENT_STATE_ONLINE) == 1; }));
  REQUIRE(host.StopInstance("cam1").has_value());
  CHECK(frames.first_pixel == 1);
  CHECK(frames.kept.width == 4);
  CHECK(frames.kept.format == PixelFormat::kGray8);
  CHECK(test_drivers::frames_released == 0);  // the listener still holds it
  frames.kept = Frame{};
  CHECK(test_drivers::frames_released == 1);
}

TEST_CASE("Start checks every instance first and runs none when one is wrong") {
  const DriverRegistry registry = TestRegistry();
  RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), FastOptions());
  v1::Config config;
  *config.add_drivers() = Instance("a", "flaky");
  *config.add_drivers() = Instance("a", "silent");
  *config.add_drivers() = Instance("c", "nosuch");
  auto started = host.Start(config);
  REQUIRE_FALSE(started.has_value());
  CHECK_THAT(started.error().message(), Catch::Contains("driver id 'a' is used twice"));
  CHECK_THAT(started.error().message(),
             Catch::Contains("unknown type 'nosuch'; known types: broken, chatty, flaky, framer"));
  CHECK(host.Statuses().empty());
}

}  // namespace
}  // namespace cityedge::host
