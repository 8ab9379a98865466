// SPDX-License-Identifier: Apache-2.0
// Readers for radiometric 16-bit frame files: binary PGM ("P5", maxval above
// 255, big endian per the Netpbm spec) and headerless raw little-endian
// frames of a size given in settings. Pure functions, no device, so the unit
// tests can feed them bytes directly.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace cityedge::drivers::thermal {

// One frame of radiometric counts in host byte order, row after row.
struct Image16 {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint16_t> pixels;  // width * height
};

// Errors say what was wrong; the caller prefixes the file name.
using ImageResult = std::expected<Image16, std::string>;

// Parses a binary PGM with 16-bit samples. Refused: other magic numbers
// (P2 plain, P6 colour), maxval <= 255 (8-bit data would be read as counts)
// or > 65535, a header that is malformed or truncated, fewer sample bytes
// than width * height * 2, and samples above maxval. Comments ('#' to end of
// line) in the header are allowed, as the spec allows. Trailing bytes after
// the raster are ignored (the spec allows several images per file; the first
// is the frame).
[[nodiscard]] ImageResult ParsePgm16(std::string_view bytes);

// Interprets `bytes` as width * height little-endian 16-bit counts. The size
// must match exactly: a mismatch means the settings and the files disagree.
[[nodiscard]] ImageResult ParseRaw16(std::string_view bytes, std::uint32_t width,
                                     std::uint32_t height);

// Reads a whole file; the error names the file and the system's reason.
[[nodiscard]] std::expected<std::string, std::string> ReadWholeFile(const std::string& path);

// Writes `image` as a 16-bit binary PGM with `maxval` (tests and tools).
[[nodiscard]] std::string EncodePgm16(const Image16& image, std::uint16_t maxval = 65535);

}  // namespace cityedge::drivers::thermal
