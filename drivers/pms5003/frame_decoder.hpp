// SPDX-License-Identifier: Apache-2.0
// Streaming decoder for the Plantower PMS5003 UART frame.
//
// Frame (datasheet, "active mode"): 0x42 0x4D, a big-endian length that is
// always 28 (= 13 data words + checksum), 13 big-endian data words, then a
// big-endian checksum equal to the 16-bit sum of every preceding byte.
// 32 bytes in all.
//
// The decoder accepts bytes in chunks of any size, resynchronises after
// garbage, and counts what it rejected. It never reads past what it was given
// and holds at most one frame's worth of bytes between calls.
//
// THREADING: not thread-safe; one decoder per serial port.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cityedge::drivers::pms5003 {

inline constexpr std::size_t kFrameSize = 32;
inline constexpr std::uint16_t kFrameLength = 28;  // value of the length field

// One frame's data words, in datasheet order.
struct Measurement {
  // Mass concentrations, ug/m3. "standard" is the CF=1 factory calibration the
  // datasheet labels "standard particle"; "atmospheric" is "under atmospheric
  // environment", which is what air-quality indices use.
  std::uint16_t pm1_0_standard = 0;
  std::uint16_t pm2_5_standard = 0;
  std::uint16_t pm10_standard = 0;
  std::uint16_t pm1_0_atmospheric = 0;
  std::uint16_t pm2_5_atmospheric = 0;
  std::uint16_t pm10_atmospheric = 0;
  // Particles per 0.1 L of air with diameter above 0.3, 0.5, 1.0, 2.5, 5.0
  // and 10 um, in that order.
  std::array<std::uint16_t, 6> counts{};

  bool operator==(const Measurement&) const = default;
};

struct DecoderStats {
  std::uint64_t frames = 0;         // good frames decoded
  std::uint64_t bad_checksum = 0;   // complete frames whose checksum did not match
  std::uint64_t bad_length = 0;     // start bytes followed by a length other than 28
  std::uint64_t skipped_bytes = 0;  // bytes discarded while searching for a start
};

class FrameDecoder {
 public:
  // Consumes `bytes` and appends every complete good frame to `out`.
  // Returns the number of frames appended.
  std::size_t Feed(std::span<const std::uint8_t> bytes, std::vector<Measurement>& out);

  [[nodiscard]] const DecoderStats& stats() const { return stats_; }

 private:
  // Decodes as many frames as the buffer holds; leaves a partial frame.
  void Drain(std::vector<Measurement>& out);
  void Discard(std::size_t n);

  std::vector<std::uint8_t> buffer_;
  DecoderStats stats_;
};

// Builds a well-formed frame; `reserved` is the 13th data word. Tests and
// simulators use it; the checksum is computed, not supplied.
[[nodiscard]] std::array<std::uint8_t, kFrameSize> EncodeFrame(const Measurement& m,
                                                               std::uint16_t reserved = 0);

}  // namespace cityedge::drivers::pms5003
