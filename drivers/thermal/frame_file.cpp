// SPDX-License-Identifier: Apache-2.0
#include "frame_file.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cityedge::drivers::thermal {
namespace {

// Netpbm header fields are separated by whitespace, and a '#' starts a
// comment that runs to the end of the line.
class HeaderReader {
 public:
  explicit HeaderReader(std::string_view bytes) : bytes_(bytes) {}

  // The next unsigned decimal field; `what` names it in the error.
  std::expected<std::uint64_t, std::string> Number(const char* what) {
    SkipSpaceAndComments();
    if (pos_ >= bytes_.size()) return std::unexpected(std::string("truncated header: no ") + what);
    if (!std::isdigit(static_cast<unsigned char>(bytes_[pos_]))) {
      return std::unexpected(std::string("malformed header: ") + what + " is not a number");
    }
    std::uint64_t value = 0;
    while (pos_ < bytes_.size() && std::isdigit(static_cast<unsigned char>(bytes_[pos_]))) {
      value = value * 10 + static_cast<std::uint64_t>(bytes_[pos_] - '0');
      if (value > 1'000'000) return std::unexpected(std::string(what) + " is implausibly large");
      ++pos_;
    }
    return value;
  }

  // Exactly one whitespace byte ends the header; the raster follows.
  bool EndOfHeader() {
    if (pos_ >= bytes_.size() || !std::isspace(static_cast<unsigned char>(bytes_[pos_]))) {
      return false;
    }
    ++pos_;
    return true;
  }

  [[nodiscard]] std::size_t pos() const { return pos_; }

 private:
  void SkipSpaceAndComments() {
    while (pos_ < bytes_.size()) {
      const char c = bytes_[pos_];
      if (c == '#') {
        while (pos_ < bytes_.size() && bytes_[pos_] != '\n') ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else {
        return;
      }
    }
  }

  std::string_view bytes_;
  std::size_t pos_ = 2;  // after the magic number
};

}  // namespace

ImageResult ParsePgm16(std::string_view bytes) {
  if (bytes.size() < 2 || bytes[0] != 'P') return std::unexpected("not a PGM file (no 'P' magic)");
  if (bytes[1] != '5') {
    return std::unexpected(std::string("PGM type P") + bytes[1] +
                           " is not supported; binary P5 is required");
  }
  HeaderReader header(bytes);
  const auto width = header.Number("width");
  if (!width) return std::unexpected(width.error());
  const auto height = header.Number("height");
  if (!height) return std::unexpected(height.error());
  const auto maxval = header.Number("maxval");
  if (!maxval) return std::unexpected(maxval.error());
  if (*width == 0 || *height == 0) return std::unexpected("width and height must be positive");
  if (*maxval <= 255 || *maxval > 65535) {
    return std::unexpected("maxval " + std::to_string(*maxval) +
                           " is not 16-bit (must be 256..65535; an 8-bit PGM holds no "
                           "radiometric counts)");
  }
  if (!header.EndOfHeader()) return std::unexpected("truncated header: no whitespace after maxval");
  const std::size_t count = *width * *height;
  const std::size_t have = bytes.size() - header.pos();
  if (have < count * 2) {
    return std::unexpected("truncated raster: " + std::to_string(have) +
                           " bytes after the header, " + std::to_string(count * 2) +
                           " needed for " + std::to_string(*width) + "x" + std::to_string(*height) +
                           " 16-bit samples");
  }
  Image16 image{static_cast<std::uint32_t>(*width), static_cast<std::uint32_t>(*height), {}};
  image.pixels.resize(count);
  const auto* raster = reinterpret_cast<const unsigned char*>(bytes.data() + header.pos());
  for (std::size_t i = 0; i < count; ++i) {
    const auto v = static_cast<std::uint16_t>((raster[2 * i] << 8) | raster[2 * i + 1]);
    if (v > *maxval) {
      return std::unexpected("sample " + std::to_string(i) + " is " + std::to_string(v) +
                             ", above maxval " + std::to_string(*maxval));
    }
    image.pixels[i] = v;
  }
  return image;
}

ImageResult ParseRaw16(std::string_view bytes, std::uint32_t width, std::uint32_t height) {
  const std::size_t count = static_cast<std::size_t>(width) * height;
  if (count == 0) return std::unexpected("width and height must be set for raw frames");
  if (bytes.size() != count * 2) {
    return std::unexpected("size mismatch: " + std::to_string(bytes.size()) + " bytes, but " +
                           std::to_string(width) + "x" + std::to_string(height) +
                           " 16-bit pixels need " + std::to_string(count * 2));
  }
  Image16 image{width, height, {}};
  image.pixels.resize(count);
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t i = 0; i < count; ++i) {
    image.pixels[i] = static_cast<std::uint16_t>(raw[2 * i] | (raw[2 * i + 1] << 8));
  }
  return image;
}

std::expected<std::string, std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return std::unexpected("cannot read " + path + ": " + std::strerror(errno));
  return std::move(bytes).str();
}

std::string EncodePgm16(const Image16& image, std::uint16_t maxval) {
  std::string out = "P5\n" + std::to_string(image.width) + " " + std::to_string(image.height) +
                    "\n" + std::to_string(maxval) + "\n";
  out.reserve(out.size() + image.pixels.size() * 2);
  for (const std::uint16_t v : image.pixels) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xff));
  }
  return out;
}

}  // namespace cityedge::drivers::thermal
