// SPDX-License-Identifier: Apache-2.0
#include "thermal.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "v4l2_capture.hpp"

namespace cityedge::drivers::thermal {
namespace {

namespace fs = std::filesystem;

// Bad files logged per pass; the rest are only counted.
constexpr std::uint64_t kMaxLoggedBadFiles = 20;

std::int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

sdk::Result<ThermalDriver::Source> ParseSource(const std::string& text) {
  if (text == "v4l2") return ThermalDriver::Source::kV4l2;
  if (text == "pgm") return ThermalDriver::Source::kPgm;
  if (text == "raw") return ThermalDriver::Source::kRaw;
  return sdk::Fatal("setting 'source' must be v4l2, pgm or raw, got '" + text + "'");
}

}  // namespace

sdk::Result<std::unique_ptr<ThermalDriver>> ThermalDriver::Create(const sdk::Settings& settings,
                                                                  sdk::Host host) {
  Options o;
  auto source = ParseSource(settings.GetString("source", "v4l2"));
  if (!source) return std::unexpected(source.error());
  o.source = *source;
  o.device = settings.GetString("device", "/dev/video0");
  o.path = settings.GetString("path", "");
  o.width = static_cast<std::uint32_t>(settings.GetInt("width", 0));
  o.height = static_cast<std::uint32_t>(settings.GetInt("height", 0));
  o.fps = settings.GetDouble("fps", 9);
  o.loop = settings.GetBool("loop", false);
  o.announce_interval_ms = settings.GetDurationMs("announce_interval");
  o.stall_timeout_ms = settings.GetDurationMs("stall_timeout");
  auto radiometry =
      MakeRadiometry(settings.GetString("radiometry", "tlinear"), settings.GetDouble("gain", 0.01),
                     settings.GetDouble("offset", -273.15));
  if (!radiometry) return sdk::Fatal(radiometry.error());
  o.radiometry = *radiometry;
  if (o.source != Source::kV4l2 && o.path.empty()) {
    return sdk::Fatal("setting 'path' (a folder of frame files) is required for source pgm/raw");
  }
  if (o.source == Source::kRaw && (o.width == 0 || o.height == 0)) {
    return sdk::Fatal("settings 'width' and 'height' are required for source raw");
  }
  if (o.source == Source::kV4l2 && o.device.empty()) return sdk::Fatal("setting 'device' is empty");
  return std::make_unique<ThermalDriver>(host, std::move(o));
}

ThermalDriver::ThermalDriver(sdk::Host host, Options options)
    : Driver(host), options_(std::move(options)) {}

sdk::Status ThermalDriver::Run() {
  return options_.source == Source::kV4l2 ? RunDevice() : RunFiles();
}

void ThermalDriver::AnnounceIfDue() {
  const std::int64_t now = SteadyNs();
  if (announced_ && now - last_announce_ns_ < options_.announce_interval_ms * 1'000'000) return;
  announced_ = true;
  last_announce_ns_ = now;
  host().Emit(kGainChannel, options_.radiometry.gain_c_per_count, "degC/count");
  host().Emit(kOffsetChannel, options_.radiometry.offset_c, "degC");
}

void ThermalDriver::Emit(std::vector<std::uint16_t> pixels, std::uint32_t width,
                         std::uint32_t height) {
  AnnounceIfDue();
  // The frame owns its pixels; the host releases them when the last pipeline
  // lets go, which may be after this call returns.
  auto* owned = new std::vector<std::uint16_t>(std::move(pixels));
  ce_driver_frame frame{};
  frame.pixel_format = CE_DRIVER_PIXEL_Y16;
  frame.width = width;
  frame.height = height;
  frame.stride = static_cast<std::size_t>(width) * 2;
  frame.data = owned->data();
  frame.release = [](void* user, const void*) {
    delete static_cast<std::vector<std::uint16_t>*>(user);
  };
  frame.release_user = owned;
  (void)host().EmitFrame(frame);
}

sdk::Status ThermalDriver::RunDevice() {
  V4l2Capture capture(*options_.io);
  if (auto opened = capture.Open(options_.device, options_.width, options_.height, options_.fps);
      !opened) {
    return sdk::Retry(opened.error());
  }
  host().ReportHealth(CE_DRIVER_HEALTH_ONLINE, "streaming " + options_.device + " " +
                                                   std::to_string(capture.width()) + "x" +
                                                   std::to_string(capture.height()) + " Y16");
  std::vector<std::uint16_t> pixels;
  // A core that stops sending (a stuck shutter, a USB hiccup) leaves the
  // device open and silent; reopening it is what brings frames back.
  std::int64_t last_frame_ns = SteadyNs();
  while (!host().ShouldStop()) {
    auto got = capture.Read(200, &pixels);
    if (!got) return sdk::Retry(got.error());
    if (*got) {
      last_frame_ns = SteadyNs();
      Emit(std::move(pixels), capture.width(), capture.height());
      continue;
    }
    const std::int64_t silent_ms = (SteadyNs() - last_frame_ns) / 1'000'000;
    if (silent_ms >= options_.stall_timeout_ms) {
      return sdk::Retry("no complete frame from " + options_.device + " for " +
                        std::to_string(silent_ms) + " ms (" +
                        std::to_string(capture.incomplete_frames()) +
                        " incomplete or errored); reopening it");
    }
  }
  return {};
}

sdk::Result<std::vector<std::string>> ThermalDriver::ListFiles() const {
  const char* extension = options_.source == Source::kPgm ? ".pgm" : ".raw";
  std::error_code ec;
  std::vector<std::string> files;
  for (fs::directory_iterator it(options_.path, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == extension) files.push_back(it->path().string());
  }
  // May be mounted or copied in later: retried with backoff.
  if (ec) return sdk::Retry("cannot list " + options_.path + ": " + ec.message());
  if (files.empty()) {
    return sdk::Retry("no " + std::string(extension) + " files in " + options_.path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

ImageResult ThermalDriver::Load(const std::string& file) const {
  auto bytes = ReadWholeFile(file);
  if (!bytes) return std::unexpected(bytes.error());
  ImageResult image = options_.source == Source::kPgm
                          ? ParsePgm16(*bytes)
                          : ParseRaw16(*bytes, options_.width, options_.height);
  if (!image) return std::unexpected(file + ": " + image.error());
  return image;
}

sdk::Status ThermalDriver::RunFiles() {
  auto files = ListFiles();
  if (!files) return std::unexpected(files.error());
  host().ReportHealth(CE_DRIVER_HEALTH_ONLINE, "playing " + std::to_string(files->size()) +
                                                   " frame files from " + options_.path);
  const std::int64_t start_ns = SteadyNs();
  std::uint64_t index = 0;
  for (std::uint64_t pass = 0;; ++pass) {
    std::uint64_t emitted = 0;
    std::uint64_t bad = 0;
    for (const std::string& file : *files) {
      if (!WaitForFrame(index, start_ns)) return {};
      ++index;
      ImageResult image = Load(file);
      if (!image) {
        // A bad file costs its slot in the sequence, not the sequence.
        if (++bad <= kMaxLoggedBadFiles && pass == 0) host().Warn("skipped " + image.error());
        continue;
      }
      Emit(std::move(image->pixels), image->width, image->height);
      ++emitted;
    }
    if (emitted == 0) return sdk::Fatal("no valid frame file in " + options_.path);
    if (bad > 0 && pass == 0) {
      host().Warn(options_.path + ": " + std::to_string(bad) + " bad frame file(s) skipped");
    }
    if (!options_.loop) {
      host().Info(options_.path + ": finished after " + std::to_string(emitted) + " frames");
      return {};
    }
    auto relisted = ListFiles();  // files may have been added or removed meanwhile
    if (relisted) files = std::move(relisted);
  }
}

bool ThermalDriver::WaitForFrame(std::uint64_t index, std::int64_t start_ns) const {
  if (options_.fps <= 0) return !host().ShouldStop();
  const std::int64_t due_ns =
      start_ns + static_cast<std::int64_t>(static_cast<double>(index) * 1e9 / options_.fps);
  while (true) {
    const std::int64_t remaining_ns = due_ns - SteadyNs();
    if (remaining_ns <= 0) return !host().ShouldStop();
    const auto slice_ms = static_cast<std::uint32_t>(
        std::min<std::int64_t>(200, (remaining_ns + 999'999) / 1'000'000));
    if (host().SleepMs(slice_ms)) return false;
  }
}

}  // namespace cityedge::drivers::thermal

CITYEDGE_DRIVER(thermal, cityedge::drivers::thermal::ThermalDriver)
