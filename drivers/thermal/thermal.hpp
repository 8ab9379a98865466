// SPDX-License-Identifier: Apache-2.0
// thermal: radiometric 16-bit frames from a UVC Y16 device (V4L2) or from a
// sequence of frame files (16-bit PGM, or raw little-endian with the size in
// settings), paced at a frame rate, looped or not. Frames travel as
// CE_DRIVER_PIXEL_Y16 counts; the counts-to-°C conversion the instance is
// configured with is announced as two readings (radiometry.hpp). Settings
// and behaviour: README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cityedge/driver.hpp"
#include "frame_file.hpp"
#include "radiometry.hpp"
#include "thermal_info.hpp"
#include "v4l2_capture.hpp"

namespace cityedge::drivers::thermal {

class ThermalDriver final : public sdk::Driver, public ThermalInfo {
 public:
  enum class Source { kV4l2, kPgm, kRaw };
  struct Options {
    Source source = Source::kV4l2;
    std::string device;
    std::string path;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    double fps = 0;  // 0: files as fast as possible, device at its own rate
    bool loop = false;
    Radiometry radiometry;
    std::int64_t announce_interval_ms = 10'000;
    std::int64_t stall_timeout_ms = 3'000;
    V4l2Io* io = &SystemV4l2Io();  // the device's system calls
  };

  static sdk::Result<std::unique_ptr<ThermalDriver>> Create(const sdk::Settings& settings,
                                                            sdk::Host host);
  ThermalDriver(sdk::Host host, Options options);

  sdk::Status Run() override;

 private:
  sdk::Status RunDevice();
  sdk::Status RunFiles();
  // The frame files of the folder, in name order; empty when there are none.
  sdk::Result<std::vector<std::string>> ListFiles() const;
  // Reads and parses one file; the error names the file and what was wrong.
  [[nodiscard]] ImageResult Load(const std::string& file) const;
  // Sleeps until frame `index` of the pacing clock is due; false on stop.
  [[nodiscard]] bool WaitForFrame(std::uint64_t index, std::int64_t start_ns) const;
  void Emit(std::vector<std::uint16_t> pixels, std::uint32_t width, std::uint32_t height);
  // Announces the conversion when it is due (at start, then every interval).
  void AnnounceIfDue();

  const Options options_;
  std::int64_t last_announce_ns_ = 0;
  bool announced_ = false;
};

}  // namespace cityedge::drivers::thermal
