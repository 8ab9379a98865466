// SPDX-License-Identifier: Apache-2.0
// The thermal driver: its PGM and raw readers, the radiometric conversion, and
// the driver under the real host playing a folder of frame files (bad ones
// among them) as Y16 frames with the conversion announced as readings.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "daemon/config/settings_validation.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/host/driver_host.hpp"
#include "drivers/thermal/frame_file.hpp"
#include "drivers/thermal/radiometry.hpp"
#include "tests/host/host_test_support.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_thermal(uint32_t, uint32_t);

namespace cityedge::drivers::thermal {
namespace {

namespace fs = std::filesystem;
using fakes::RecordingSink;
using host::testing::Flag;
using host::testing::Number;
using host::testing::Text;

std::string SourceDir() {
  const char* dir = std::getenv("CITYEDGE_SOURCE_DIR");
  REQUIRE(dir != nullptr);
  return dir;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "cityedge-thermal-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir_ = tmpl;
  }
  ~TempDir() { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& bytes) const {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  [[nodiscard]] std::string path() const { return dir_.string(); }

 private:
  fs::path dir_;
};

// A w x h frame whose pixel i holds base + i.
Image16 Ramp(std::uint32_t w, std::uint32_t h, std::uint16_t base) {
  Image16 image{w, h, {}};
  for (std::uint32_t i = 0; i < w * h; ++i)
    image.pixels.push_back(static_cast<std::uint16_t>(base + i));
  return image;
}

TEST_CASE("16-bit binary PGM parses big endian, with header comments") {
  const std::string bytes = "P5\n# Lepton 3.5, TLinear\n3 2\n65535\n" +
                            std::string("\x78\x5F\x78\x60\x78\x61\x00\x01\xFF\xFF\x01\x00", 12);
  const ImageResult image = ParsePgm16(bytes);
  REQUIRE(image.has_value());
  CHECK(image->width == 3);
  CHECK(image->height == 2);
  CHECK(image->pixels == std::vector<std::uint16_t>{30815, 30816, 30817, 1, 65535, 256});
  const Image16 ramp = Ramp(4, 3, 30000);
  const ImageResult round_trip = ParsePgm16(EncodePgm16(ramp, 40000));
  REQUIRE(round_trip.has_value());
  CHECK(round_trip->pixels == ramp.pixels);
}

TEST_CASE("Bad PGM files are refused with what was wrong") {
  const std::string raster(12, '\x10');
  const auto error = [](const std::string& bytes) {
    const ImageResult r = ParsePgm16(bytes);
    REQUIRE_FALSE(r.has_value());
    return r.error();
  };
  CHECK_THAT(error("P2\n3 2\n65535\n1 2 3 4 5 6\n"), Catch::Contains("binary P5 is required"));
  CHECK_THAT(error("P5\n3 2\n255\n" + raster), Catch::Contains("maxval 255 is not 16-bit"));
  CHECK_THAT(error("P5\n3 2\n70000\n" + raster), Catch::Contains("maxval 70000"));
  CHECK_THAT(error("P5\n3 2\n65535\n" + raster.substr(0, 11)),
             Catch::Contains("truncated raster: 11 bytes") && Catch::Contains("12 needed"));
  CHECK_THAT(error("P5\n3 2"), Catch::Contains("truncated header: no maxval"));
  CHECK_THAT(error("P5\n3 x\n65535\n" + raster), Catch::Contains("height is not a number"));
  CHECK_THAT(error("P5\n3 2\n4000\n" + std::string(12, '\xff')),
             Catch::Contains("above maxval 4000"));
  CHECK_THAT(error("JFIF"), Catch::Contains("not a PGM"));
}

TEST_CASE("Raw frames are little endian and must match width x height") {
  const std::string bytes("\x5F\x78\x01\x00\x00\x01\xFF\xFF", 8);
  const ImageResult image = ParseRaw16(bytes, 2, 2);
  REQUIRE(image.has_value());
  CHECK(image->pixels == std::vector<std::uint16_t>{30815, 1, 256, 65535});
  const ImageResult wrong = ParseRaw16(bytes, 3, 2);
  REQUIRE_FALSE(wrong.has_value());
  CHECK_THAT(wrong.error(),
             Catch::Contains("size mismatch: 8 bytes") && Catch::Contains("need 12"));
}

TEST_CASE("TLinear counts are centi-kelvin; linear uses gain and offset") {
  const auto tlinear = MakeRadiometry("tlinear", 123, 456);  // gain/offset ignored
  REQUIRE(tlinear.has_value());
  CHECK(tlinear->ToCelsius(30815) == Approx(35.0).margin(1e-9));
  CHECK(tlinear->ToCelsius(27315) == Approx(0.0).margin(1e-9));
  CHECK(tlinear->ToCelsius(30816) - tlinear->ToCelsius(30815) == Approx(0.01));
  const auto linear = MakeRadiometry("linear", 0.04, -20);
  REQUIRE(linear.has_value());
  CHECK(linear->ToCelsius(1000) == Approx(20.0));
  CHECK_FALSE(MakeRadiometry("linear", 0, 1).has_value());
  CHECK_FALSE(MakeRadiometry("spline", 1, 0).has_value());
}

std::shared_ptr<const host::DriverType> ThermalType() {
  auto type = host::CheckDriver(&ce_driver_entry_thermal, "thermal", "built-in 'thermal'");
  REQUIRE(type.has_value());
  return *type;
}

// Keeps a copy of every frame's pixels (frames are released after the call).
class FrameRecorder final : public host::FrameListener {
 public:
  void OnFrame(const Frame& frame) override {
    std::lock_guard lock(mu_);
    CHECK(frame.format == PixelFormat::kY16);
    CHECK(frame.source == "ir1");
    std::vector<std::uint16_t> pixels(frame.width * frame.height);
    for (std::uint32_t y = 0; y < frame.height; ++y) {
      std::memcpy(pixels.data() + y * frame.width, frame.data + y * frame.stride, frame.width * 2);
    }
    frames_.push_back(std::move(pixels));
  }
  std::vector<std::vector<std::uint16_t>> Frames() const {
    std::lock_guard lock(mu_);
    return frames_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<std::uint16_t>> frames_;
};

v1::DriverInstance FilesInstance(const std::string& source, const std::string& path) {
  v1::DriverInstance instance;
  instance.set_id("ir1");
  instance.set_type("thermal");
  instance.set_enabled(true);
  instance.set_publish(true);
  (*instance.mutable_settings())["source"] = Text(source);
  (*instance.mutable_settings())["path"] = Text(path);
  (*instance.mutable_settings())["fps"] = Number(0);
  return instance;
}

bool Stopped(const std::vector<v1::Event>& e) {
  return host::testing::CountStatus(e, "ir1", v1::COMPONENT_STATE_STOPPED) > 0;
}

TEST_CASE("A PGM sequence plays in name order as Y16 frames; bad files are skipped") {
  TempDir dir;
  dir.Write("f000.pgm", EncodePgm16(Ramp(4, 3, 30000)));
  dir.Write("f001.pgm", EncodePgm16(Ramp(4, 3, 30100)));
  dir.Write("f002.pgm", EncodePgm16(Ramp(4, 3, 30200)).substr(0, 20));  // truncated
  dir.Write("f003.pgm", "P5\n4 3\n255\n" + std::string(12, '\x01'));    // 8-bit
  dir.Write("f004.pgm", EncodePgm16(Ramp(4, 3, 30400)));
  dir.Write("notes.txt", "not a frame");
  RecordingSink sink;
  FrameRecorder frames;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ThermalType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  host.AddFrameListener(&frames);
  REQUIRE(host.StartInstance(FilesInstance("pgm", dir.path())).has_value());
  REQUIRE(sink.WaitFor(Stopped));
  const auto got = frames.Frames();
  REQUIRE(got.size() == 3);
  CHECK(got[0] == Ramp(4, 3, 30000).pixels);
  CHECK(got[1] == Ramp(4, 3, 30100).pixels);
  CHECK(got[2] == Ramp(4, 3, 30400).pixels);
  // The conversion is announced before the first frame.
  const auto readings = sink.Readings("ir1");
  REQUIRE(readings.size() >= 2);
  CHECK(readings[0].channel() == kGainChannel);
  CHECK(readings[0].value() == Approx(0.01));
  CHECK(readings[1].channel() == kOffsetChannel);
  CHECK(readings[1].value() == Approx(-273.15));
  CHECK(sink.Statuses("ir1").back().reason() == "finished: the driver's source has ended");
}

TEST_CASE("Raw little-endian files play with the size from settings, looping when asked") {
  TempDir dir;
  std::string raw;
  for (std::uint16_t v : Ramp(2, 2, 31000).pixels) {
    raw.push_back(static_cast<char>(v & 0xff));
    raw.push_back(static_cast<char>(v >> 8));
  }
  dir.Write("a.raw", raw);
  dir.Write("b.raw", raw + "xx");  // size mismatch: skipped
  v1::DriverInstance instance = FilesInstance("raw", dir.path());
  (*instance.mutable_settings())["width"].set_int_value(2);
  (*instance.mutable_settings())["height"].set_int_value(2);
  (*instance.mutable_settings())["loop"] = Flag(true);
  (*instance.mutable_settings())["radiometry"] = Text("linear");
  (*instance.mutable_settings())["gain"] = Number(0.04);
  (*instance.mutable_settings())["offset"] = Number(-1200);
  RecordingSink sink;
  FrameRecorder frames;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ThermalType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  host.AddFrameListener(&frames);
  const Status started = host.StartInstance(instance);
  INFO((started ? "" : started.error().message()));
  REQUIRE(started.has_value());
  for (int i = 0; i < 200 && frames.Frames().size() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(host.StopInstance("ir1").has_value());
  const auto got = frames.Frames();
  REQUIRE(got.size() >= 5);
  for (const auto& f : got) CHECK(f == Ramp(2, 2, 31000).pixels);
  const auto readings = sink.Readings("ir1");
  REQUIRE(readings.size() >= 2);
  CHECK(readings[0].value() == Approx(0.04));
  CHECK(readings[1].value() == Approx(-1200));
}

TEST_CASE("A folder whose every file is bad fails for good; a missing one is retried") {
  TempDir dir;
  dir.Write("x.pgm", "P5\n2 2\n65535\n\x01");
  RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ThermalType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  REQUIRE(host.StartInstance(FilesInstance("pgm", dir.path())).has_value());
  REQUIRE(sink.WaitFor([](const auto& e) {
    return host::testing::CountStatus(e, "ir1", v1::COMPONENT_STATE_OFFLINE) > 0;
  }));
  CHECK_THAT(host.StatusOf("ir1")->reason, Catch::Contains("no valid frame file in " + dir.path()));
  REQUIRE(host.StopInstance("ir1").has_value());

  v1::DriverInstance missing = FilesInstance("pgm", dir.path() + "/nope");
  missing.set_id("ir2");
  REQUIRE(host.StartInstance(missing).has_value());
  REQUIRE(sink.WaitFor([](const auto& e) {
    return host::testing::CountStatus(e, "ir2", v1::COMPONENT_STATE_DEGRADED) +
               host::testing::CountStatus(e, "ir2", v1::COMPONENT_STATE_OFFLINE) >
           0;
  }));
  CHECK_THAT(host.StatusOf("ir2")->reason, Catch::Contains("cannot list " + dir.path() + "/nope"));
  REQUIRE(host.StopInstance("ir2").has_value());
}

TEST_CASE("A missing V4L2 device is retried with a message naming it") {
  v1::DriverInstance instance;
  instance.set_id("ir1");
  instance.set_type("thermal");
  instance.set_enabled(true);
  (*instance.mutable_settings())["device"] = Text("/dev/cityedge-no-such-video");
  RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ThermalType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  REQUIRE(host.StartInstance(instance).has_value());
  REQUIRE(sink.WaitFor([](const auto& e) {
    return host::testing::CountStatus(e, "ir1", v1::COMPONENT_STATE_DEGRADED) +
               host::testing::CountStatus(e, "ir1", v1::COMPONENT_STATE_OFFLINE) >
           0;
  }));
  CHECK_THAT(host.StatusOf("ir1")->reason,
             Catch::Contains("cannot open /dev/cityedge-no-such-video"));
  REQUIRE(host.StopInstance("ir1").has_value());
}

TEST_CASE("Settings that cannot work are refused at creation") {
  RecordingSink sink;
  host::DriverRegistry registry;
  REQUIRE(registry.Add(ThermalType()).has_value());
  host::DriverHost host(registry, sink, clock::Default());
  v1::DriverInstance no_path = FilesInstance("pgm", "");
  const Status a = host.StartInstance(no_path);
  v1::DriverInstance no_size = FilesInstance("raw", "/tmp");
  no_size.set_id("ir2");
  const Status b = host.StartInstance(no_size);
  // Either refused up front or failed for good at creation: never retried.
  const auto reason = [&](const Status& s, const std::string& id) {
    if (!s) return s.error().message();
    REQUIRE(sink.WaitFor([&](const auto& e) {
      return host::testing::CountStatus(e, id, v1::COMPONENT_STATE_OFFLINE) > 0;
    }));
    return host.StatusOf(id)->reason;
  };
  CHECK_THAT(reason(a, "ir1"), Catch::Contains("'path'"));
  CHECK_THAT(reason(b, "ir2"), Catch::Contains("'width' and 'height' are required"));
}

TEST_CASE("The schema is consistent and sample.yaml follows it") {
  const auto type = ThermalType();
  CHECK(config::CheckSettingsSchema(type->schema()).empty());
  const YAML::Node sample = YAML::LoadFile(SourceDir() + "/drivers/thermal/sample.yaml");
  int checked = 0;
  for (const YAML::Node& driver : sample["drivers"]) {
    REQUIRE(driver["type"].as<std::string>() == "thermal");
    const auto settings =
        config::ValidateSettings(type->schema(), driver["settings"], "drivers/thermal/sample.yaml");
    INFO((settings ? "" : config::FormatProblems(settings.error())));
    CHECK(settings.has_value());
    ++checked;
  }
  CHECK(checked >= 2);
}

}  // namespace
}  // namespace cityedge::drivers::thermal
