// SPDX-License-Identifier: Apache-2.0
#include <stdlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "drivers/iio/iio_device.hpp"
#include "tests/drivers/pms5003/schema_check.hpp"
#include "tests/fakes/driver_host.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_iio(uint32_t, uint32_t);

namespace cityedge::drivers::iio {
namespace {

namespace fs = std::filesystem;
using fakes::FakeDriverHost;
using fakes::RunningInstance;

// A fake /sys/bus/iio/devices in a temporary folder, removed afterwards.
class FakeSysfs {
 public:
  FakeSysfs() {
    std::string pattern = (fs::temp_directory_path() / "cityedge-iio-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    root_ = pattern;
  }
  ~FakeSysfs() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  [[nodiscard]] std::string root() const { return root_.string(); }
  [[nodiscard]] std::string Device(int index) const {
    return (root_ / ("iio:device" + std::to_string(index))).string();
  }
  void Write(int index, const std::string& file, const std::string& text) const {
    fs::create_directories(Device(index));
    std::ofstream(fs::path(Device(index)) / file) << text;
  }
  void Remove(int index, const std::string& file) const {
    fs::remove(fs::path(Device(index)) / file);
  }

 private:
  fs::path root_;
};

// A BME280 with processed values, and a "raw" sensor with raw/scale/offset.
void Populate(const FakeSysfs& sys) {
  sys.Write(0, "name", "ads1015\n");
  sys.Write(1, "name", "bme280\n");
  sys.Write(1, "in_temp_input", "23450\n");
  sys.Write(1, "in_humidityrelative_input", "45123\n");
  sys.Write(1, "in_pressure_input", "101.325000000\n");
  sys.Write(2, "name", "rawsensor\n");
  sys.Write(2, "in_temp_raw", "2000\n");
  sys.Write(2, "in_temp_offset", "-500\n");
  sys.Write(2, "in_temp_scale", "10.000000\n");
  sys.Write(2, "in_humidityrelative_raw", "47\n");
  sys.Write(2, "in_humidityrelative_scale", "1000\n");
  sys.Write(2, "in_pressure_raw", "101325\n");
  sys.Write(2, "in_pressure_scale", "0.001\n");
}

TEST_CASE("Devices are found by name, index or folder, and a miss lists what exists") {
  FakeSysfs sys;
  Populate(sys);
  CHECK(FindDevice(sys.root(), "bme280").value() == sys.Device(1));
  CHECK(FindDevice(sys.root(), "2").value() == sys.Device(2));
  CHECK(FindDevice(sys.root(), "iio:device0").value() == sys.Device(0));
  const auto missing = FindDevice(sys.root(), "bme680");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == CE_DRIVER_RETRY);
  CHECK_THAT(missing.error().message,
             Catch::Contains("no IIO device \"bme680\"") &&
                 Catch::Contains("iio:device0 (ads1015), iio:device1 (bme280)"));
  CHECK_FALSE(FindDevice(sys.root() + "/nope", "bme280").has_value());
}

TEST_CASE("Processed and raw/scale/offset channels give ABI units") {
  FakeSysfs sys;
  Populate(sys);
  CHECK(ReadChannel(sys.Device(1), "temp").value() == 23450);
  CHECK(ReadChannel(sys.Device(1), "pressure").value() == Approx(101.325));
  CHECK(ReadChannel(sys.Device(2), "temp").value() == 15000);  // (2000 - 500) * 10
  CHECK(ReadChannel(sys.Device(2), "humidityrelative").value() == 47000);
  CHECK(ReadChannel(sys.Device(2), "pressure").value() == Approx(101.325));
  sys.Write(3, "in_temp_raw", "21000");  // no scale, no offset: taken as 1 and 0
  CHECK(ReadChannel(sys.Device(3), "temp").value() == 21000);
}

TEST_CASE("Missing and garbled files give errors naming the file") {
  FakeSysfs sys;
  Populate(sys);
  const auto none = ReadChannel(sys.Device(1), "resistance");
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == CE_DRIVER_FATAL);
  CHECK_THAT(none.error().message,
             Catch::Contains("neither in_resistance_input nor in_resistance_raw"));

  const std::vector<std::pair<std::string, std::string>> garbled = {{"in_temp_scale", "ten\n"},
                                                                    {"in_temp_scale", ""},
                                                                    {"in_temp_offset", "1.5x"},
                                                                    {"in_temp_raw", "nan"},
                                                                    {"in_temp_raw", "\x01\x02"}};
  for (const auto& [file, text] : garbled) {
    FakeSysfs bad;
    Populate(bad);
    bad.Write(2, file, text);
    const auto value = ReadChannel(bad.Device(2), "temp");
    INFO(file << " = \"" << text << "\"");
    REQUIRE_FALSE(value.has_value());
    CHECK(value.error().code == CE_DRIVER_RETRY);
    CHECK_THAT(value.error().message, Catch::Contains(file) && Catch::Contains("not a number"));
  }
}

TEST_CASE("The driver emits converted readings and reports a garbled channel") {
  FakeSysfs sys;
  Populate(sys);
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_iio(1, 0), host,
                         {{"root", sys.root()}, {"device", "rawsensor"}, {"poll_interval", "100"}});
  REQUIRE(driver.Create().empty());
  driver.Start();
  REQUIRE(host.WaitFor([](const FakeDriverHost& h) {
    return h.CountChannel("pressure") >= 1 && h.LastState() == CE_DRIVER_HEALTH_ONLINE;
  }));
  {
    // Channels unset: every channel the device has, in table order.
    const auto& r = host.readings();
    REQUIRE(r.size() >= 3);
    CHECK((r[0].channel == "temperature" && r[0].value == Approx(15.0) && r[0].unit == "degC"));
    CHECK((r[1].channel == "humidity" && r[1].value == Approx(47.0) && r[1].unit == "%RH"));
    CHECK((r[2].channel == "pressure" && r[2].value == Approx(1013.25) && r[2].unit == "hPa"));
    CHECK(host.LastState() == CE_DRIVER_HEALTH_ONLINE);
  }
  sys.Write(2, "in_humidityrelative_scale", "garbage");
  REQUIRE(host.WaitFor(
      [](const FakeDriverHost& h) { return h.LastState() == CE_DRIVER_HEALTH_DEGRADED; }));
  CHECK_THAT(host.health().back().reason,
             Catch::Contains("1 of 3 channels failed") &&
                 Catch::Contains("in_humidityrelative_scale holds \"garbage\""));
  sys.Write(2, "in_humidityrelative_scale", "1000");
  REQUIRE(host.WaitFor(
      [](const FakeDriverHost& h) { return h.LastState() == CE_DRIVER_HEALTH_ONLINE; }));

  fs::remove_all(sys.Device(2));
  REQUIRE(host.WaitFor(
      [](const FakeDriverHost& h) { return h.LastState() == CE_DRIVER_HEALTH_OFFLINE; }));
  CHECK(driver.Stop() == CE_DRIVER_RETRY);
  CHECK_THAT(driver.error(), Catch::Contains("disappeared"));
}

TEST_CASE("A calibration read polls at once and gives the value the sensor holds now") {
  FakeSysfs sys;
  Populate(sys);
  FakeDriverHost host;
  // An hour between rounds: within the test, only a read can poll again.
  RunningInstance driver(ce_driver_entry_iio(1, 0), host,
                         {{"root", sys.root()},
                          {"device", "bme280"},
                          {"channels", "temp"},
                          {"poll_interval", "3600000"}});
  REQUIRE(driver.Create().empty());
  driver.Start();
  REQUIRE(host.WaitFor([](const FakeDriverHost& h) { return h.CountChannel("temperature") == 1; }));
  for (int read = 1; read <= 3; ++read) {
    INFO("read " << read);
    sys.Write(1, "in_temp_input", std::to_string(20000 + read * 1000) + "\n");
    CHECK(driver.ReadNow().empty());
    REQUIRE(host.WaitFor(
        [&](const FakeDriverHost& h) { return h.CountChannel("temperature") == 1u + read; }));
    CHECK(host.readings().back().value == Approx(20.0 + read));
  }
  CHECK(driver.Stop() == CE_DRIVER_OK);
  CHECK(host.CountChannel("temperature") == 4);
}

TEST_CASE("Selected channels only; a missing device fails start with the list") {
  FakeSysfs sys;
  Populate(sys);
  {
    FakeDriverHost host;
    RunningInstance driver(ce_driver_entry_iio(1, 0), host,
                           {{"root", sys.root()},
                            {"device", "1"},
                            {"channels", "pressure"},
                            {"poll_interval", "100"}});
    REQUIRE(driver.Create().empty());
    driver.Start();
    REQUIRE(host.WaitFor([](const FakeDriverHost& h) { return h.readings().size() >= 2; }));
    CHECK(driver.Stop() == CE_DRIVER_OK);
    for (const auto& r : host.readings()) CHECK(r.channel == "pressure");
  }
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_iio(1, 0), host,
                         {{"root", sys.root()}, {"device", "bme680"}, {"poll_interval", "100"}});
  REQUIRE(driver.Create().empty());
  driver.Start();
  CHECK(driver.Stop() == CE_DRIVER_RETRY);
  CHECK_THAT(driver.error(), Catch::Contains("found: iio:device0 (ads1015)"));
  REQUIRE_FALSE(host.health().empty());
  CHECK(host.health().back().state == CE_DRIVER_HEALTH_OFFLINE);
}

TEST_CASE("Bad channel names are refused with their index") {
  FakeDriverHost host;
  RunningInstance driver(ce_driver_entry_iio(1, 0), host,
                         {{"root", "/sys/bus/iio/devices"},
                          {"device", "bme280"},
                          {"channels", "temp\ntemperature\ntemp"},
                          {"poll_interval", "1000"}});
  const std::string error = driver.Create();
  CHECK_THAT(error, Catch::Contains("channels[1]: \"temperature\" is not one of temp, "
                                    "humidityrelative, pressure, resistance"));
  CHECK_THAT(error, Catch::Contains("channels[2]: \"temp\" is listed twice"));
}

TEST_CASE("iio sample.yaml follows the settings table") {
  const ce_driver_descriptor* d = ce_driver_entry_iio(1, 0);
  REQUIRE(d != nullptr);
  const auto instances = testing::LoadSample(*d, testing::SourcePath("drivers/iio/sample.yaml"));
  REQUIRE_FALSE(instances.empty());
  for (const auto& instance : instances) {
    for (const auto& p : instance.problems) UNSCOPED_INFO(p);
    CHECK(instance.problems.empty());
    fakes::FakeDriverHost host;
    fakes::RunningInstance created(d, host, instance.settings);
    CHECK(created.Create().empty());
  }
}

}  // namespace
}  // namespace cityedge::drivers::iio
