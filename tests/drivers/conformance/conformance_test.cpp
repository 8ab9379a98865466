// SPDX-License-Identifier: Apache-2.0
// Every built-in driver, whatever its device: a sound descriptor and schema,
// create/start/stop/destroy, refusal of bad settings, rapid restarts, and a
// stop that returns within the 1 s the host allows (the one duration this
// suite asserts: a requirement bound, not a performance figure).
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "daemon/config/settings_validation.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/host/builtin_drivers.hpp"
#include "daemon/host/driver_host.hpp"
#include "tests/host/host_test_support.hpp"

namespace cityedge::host {
namespace {

using config::SettingType;

// A value of the right type for a required setting. Devices do not exist on
// the test box, so drivers typically fail to open them and retry with
// backoff: stopping must work in that state too.
v1::SettingValue Synthesize(const config::SettingSpec& spec) {
  v1::SettingValue v;
  const double number = spec.min.value_or(1);
  switch (spec.type) {
    case SettingType::kInt:
    case SettingType::kDuration:
    case SettingType::kSize:
      v.set_int_value(static_cast<std::int64_t>(number));
      break;
    case SettingType::kDouble:
      v.set_double_value(number);
      break;
    case SettingType::kBool:
      v.set_bool_value(false);
      break;
    case SettingType::kEnum:
      v.set_string_value(spec.allowed.front());
      break;
    case SettingType::kList:
      v.mutable_list_value();
      break;
    case SettingType::kTableList:
      // As many tables as the setting needs, each with its required fields.
      for (int i = 0; i < static_cast<int>(number); ++i) {
        auto* table = v.mutable_table_list_value()->add_tables()->mutable_values();
        for (const config::SettingSpec& field : spec.fields) {
          if (field.required) (*table)[field.key] = Synthesize(field);
        }
      }
      break;
    case SettingType::kString:
      v.set_string_value("/nonexistent/cityedge-conformance");
      break;
  }
  return v;
}

v1::DriverInstance MinimalInstance(const DriverType& type, const std::string& id) {
  v1::DriverInstance instance;
  instance.set_id(id);
  instance.set_type(std::string(type.name()));
  instance.set_enabled(true);
  instance.set_publish(true);
  for (const config::SettingSpec& spec : type.schema()) {
    if (spec.required) (*instance.mutable_settings())[spec.key] = Synthesize(spec);
  }
  return instance;
}

// Every driver with its code: the core's reading drivers and the vision
// worker's frame drivers (the core's table has those as schema only).
std::vector<BuiltinDriver> AllDriverRows() {
  std::vector<BuiltinDriver> rows;
#ifdef CITYEDGE_TEST_VISION_DRIVERS
  rows.assign(VisionDrivers().begin(), VisionDrivers().end());
#endif
  for (const BuiltinDriver& row : BuiltinDrivers()) {
    const bool in_vision = std::any_of(rows.begin(), rows.end(), [&row](const BuiltinDriver& r) {
      return std::string_view(r.name) == row.name;
    });
    if (!in_vision) rows.push_back(row);
  }
  return rows;
}

DriverRegistry Builtins() {
  DriverRegistry registry;
  const Status added = registry.AddBuiltins(AllDriverRows());
  INFO((added ? std::string() : added.error().message()));
  REQUIRE(added.has_value());
  return registry;
}

HostOptions Options() {
  HostOptions options;
  options.backoff_initial = std::chrono::milliseconds(10);
  options.backoff_max = std::chrono::milliseconds(50);
  return options;
}

// Stops `id` and requires the host not to have abandoned it, within 1 s.
void RequireStopsInTime(DriverHost& host, const std::string& id) {
  const auto before = std::chrono::steady_clock::now();
  const Status stopped = host.StopInstance(id);
  const auto took = std::chrono::steady_clock::now() - before;
  INFO("driver instance " << id << ": " << (stopped ? "stopped" : stopped.error().message()));
  CHECK(stopped.has_value());
  CHECK(took <= std::chrono::milliseconds(1000));
}

TEST_CASE("Every built-in driver has a sound descriptor and schema") {
  const DriverRegistry registry = Builtins();
  REQUIRE_FALSE(registry.Names().empty());
  for (const std::string& name : registry.Names()) {
    INFO("driver " << name);
    const auto type = registry.Find(name);
    CHECK(type->descriptor().abi_major == CE_DRIVER_ABI_MAJOR);
    CHECK_FALSE(type->version().empty());
    CHECK_FALSE(type->description().empty());
    CHECK(config::CheckSettingsSchema(type->schema()).empty());
    // Unknown API majors are refused by the driver itself.
    CHECK(AllDriverRows().size() == registry.Names().size());
  }
  for (const BuiltinDriver& row : AllDriverRows()) {
    INFO("driver " << row.name);
    CHECK(row.entry(CE_DRIVER_ABI_MAJOR + 1, 0) == nullptr);
  }
}

TEST_CASE("Frame drivers are schema only in the core's table, the same schema as the worker's") {
  DriverRegistry core;
  REQUIRE(core.AddBuiltins(BuiltinDrivers()).has_value());
  const DriverRegistry all = Builtins();
  for (const std::string& name : core.Names()) {
    INFO("driver " << name);
    const auto type = core.Find(name);
    CHECK(type->emits_frames() == all.Find(name)->emits_frames());
    if (!type->emits_frames()) continue;
    CHECK(type->schema().size() == all.Find(name)->schema().size());
    CHECK(type->version() == all.Find(name)->version());
    // The core's host never runs it: creation fails for good, with the reason.
    fakes::RecordingSink sink;
    DriverHost host(core, sink, clock::Default(), Options());
    REQUIRE(host.StartInstance(MinimalInstance(*type, "core-" + name)).has_value());
    Result<DriverInstanceStatus> status = host.StatusOf("core-" + name);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline &&
           (!status || status->state != v1::COMPONENT_STATE_OFFLINE)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      status = host.StatusOf("core-" + name);
    }
    REQUIRE(status.has_value());
    CHECK(status->state == v1::COMPONENT_STATE_OFFLINE);
    CHECK_THAT(status->reason, Catch::Contains("runs in a vision worker"));
    CHECK_THAT(status->reason, Catch::Contains("not restarted"));
    CHECK(status->frames == 0);
  }
}

TEST_CASE("Every built-in driver refuses bad settings with a message") {
  const DriverRegistry registry = Builtins();
  fakes::RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), Options());
  for (const std::string& name : registry.Names()) {
    INFO("driver " << name);
    v1::DriverInstance instance = MinimalInstance(*registry.Find(name), "bad-" + name);
    (*instance.mutable_settings())["no_such_setting"] = testing::Text("x");
    const Status started = host.StartInstance(instance);
    REQUIRE_FALSE(started.has_value());
    CHECK_THAT(started.error().message(), Catch::Contains("unknown setting 'no_such_setting'"));
    for (const config::SettingSpec& spec : registry.Find(name)->schema()) {
      if (!spec.required) continue;
      v1::DriverInstance missing = MinimalInstance(*registry.Find(name), "missing-" + name);
      missing.mutable_settings()->erase(spec.key);
      const Status refused = host.StartInstance(missing);
      REQUIRE_FALSE(refused.has_value());
      CHECK_THAT(refused.error().message(), Catch::Contains("'" + spec.key + "' is required"));
    }
  }
  CHECK(host.Statuses().empty());
}

TEST_CASE("Every built-in driver starts, reports status and stops within 1 s") {
  const DriverRegistry registry = Builtins();
  fakes::RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), Options());
  for (const std::string& name : registry.Names()) {
    INFO("driver " << name);
    const std::string id = "c-" + name;
    REQUIRE(host.StartInstance(MinimalInstance(*registry.Find(name), id)).has_value());
    // Past create: the instance has left "starting" or is running its loop.
    CHECK(sink.WaitFor([&](const auto& e) {
      return testing::CountStatus(e, id, v1::COMPONENT_STATE_STARTING) > 0;
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    RequireStopsInTime(host, id);
    const auto statuses = sink.Statuses(id);
    REQUIRE_FALSE(statuses.empty());
    CHECK(statuses.back().state() != v1::COMPONENT_STATE_UNSPECIFIED);
  }
}

TEST_CASE("Every built-in driver survives rapid restarts") {
  const DriverRegistry registry = Builtins();
  fakes::RecordingSink sink;
  DriverHost host(registry, sink, clock::Default(), Options());
  for (const std::string& name : registry.Names()) {
    INFO("driver " << name);
    const std::string id = "r-" + name;
    for (int round = 0; round < 5; ++round) {
      REQUIRE(host.StartInstance(MinimalInstance(*registry.Find(name), id)).has_value());
      if (round % 2 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      RequireStopsInTime(host, id);
    }
    REQUIRE(host.StartInstance(MinimalInstance(*registry.Find(name), id)).has_value());
    CHECK(host.RestartInstance(id).has_value());
    RequireStopsInTime(host, id);
  }
}

}  // namespace
}  // namespace cityedge::host
