// SPDX-License-Identifier: Apache-2.0
#include "drivers/pms5003/frame_decoder.hpp"

#include <catch2/catch.hpp>

#include <random>

namespace cityedge::drivers::pms5003 {
namespace {

Measurement Sample(std::uint16_t seed) {
  Measurement m;
  m.pm1_0_standard = seed;
  m.pm2_5_standard = static_cast<std::uint16_t>(seed + 1);
  m.pm10_standard = static_cast<std::uint16_t>(seed + 2);
  m.pm1_0_atmospheric = static_cast<std::uint16_t>(seed + 3);
  m.pm2_5_atmospheric = static_cast<std::uint16_t>(seed + 4);
  m.pm10_atmospheric = static_cast<std::uint16_t>(seed + 5);
  m.counts = {static_cast<std::uint16_t>(seed * 100), 900, 300, 40, 5, 1};
  return m;
}

std::vector<std::uint8_t> Bytes(std::initializer_list<std::uint8_t> b) { return b; }

void Append(std::vector<std::uint8_t>& to, std::span<const std::uint8_t> from) {
  to.insert(to.end(), from.begin(), from.end());
}

TEST_CASE("A datasheet frame decodes field by field") {
  // PM1.0=0x0010 PM2.5=0x0019 PM10=0x001F standard; 0x000F 0x0017 0x001D atmospheric;
  // counts 0x0BB8 0x0384 0x00C8 0x0014 0x0003 0x0001; reserved 0x9700.
  auto frame = Bytes({0x42, 0x4D, 0x00, 0x1C, 0x00, 0x10, 0x00, 0x19, 0x00, 0x1F,
                      0x00, 0x0F, 0x00, 0x17, 0x00, 0x1D, 0x0B, 0xB8, 0x03, 0x84,
                      0x00, 0xC8, 0x00, 0x14, 0x00, 0x03, 0x00, 0x01, 0x97, 0x00});
  std::uint16_t sum = 0;
  for (auto b : frame) sum = static_cast<std::uint16_t>(sum + b);
  frame.push_back(static_cast<std::uint8_t>(sum >> 8));
  frame.push_back(static_cast<std::uint8_t>(sum & 0xFF));

  FrameDecoder decoder;
  std::vector<Measurement> out;
  REQUIRE(decoder.Feed(frame, out) == 1);
  const Measurement& m = out.front();
  CHECK(m.pm1_0_standard == 16);
  CHECK(m.pm2_5_standard == 25);
  CHECK(m.pm10_standard == 31);
  CHECK(m.pm1_0_atmospheric == 15);
  CHECK(m.pm2_5_atmospheric == 23);
  CHECK(m.pm10_atmospheric == 29);
  CHECK(m.counts == std::array<std::uint16_t, 6>{3000, 900, 200, 20, 3, 1});
  CHECK(std::equal(frame.begin(), frame.end(), EncodeFrame(m, 0x9700).begin()));
}

TEST_CASE("Frames split at every byte boundary still decode") {
  const auto frame = EncodeFrame(Sample(7));
  for (std::size_t cut = 0; cut <= frame.size(); ++cut) {
    FrameDecoder decoder;
    std::vector<Measurement> out;
    decoder.Feed(std::span(frame).first(cut), out);
    decoder.Feed(std::span(frame).subspan(cut), out);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == Sample(7));
  }
}

TEST_CASE("Garbage, bad checksums and bad lengths are skipped and counted") {
  std::vector<std::uint8_t> stream = Bytes({0x00, 0xFF, 0x4D, 0x13});
  Append(stream, EncodeFrame(Sample(1)));
  auto corrupt = EncodeFrame(Sample(2));
  corrupt[10] ^= 0x01;
  Append(stream, corrupt);
  Append(stream, Bytes({0x42, 0x4D, 0x00, 0x14}));  // a length the PMS5003 never sends
  Append(stream, EncodeFrame(Sample(3)));
  Append(stream, Bytes({0x42, 0x4D, 0x00, 0x1C, 0x01}));  // truncated frame
  Append(stream, EncodeFrame(Sample(4)));
  Append(stream, Bytes({0x42, 0x42, 0x4D}));  // doubled start byte
  const auto fifth = EncodeFrame(Sample(5));
  Append(stream, std::span(fifth).subspan(2));

  FrameDecoder decoder;
  std::vector<Measurement> out;
  decoder.Feed(stream, out);
  REQUIRE(out.size() == 4);
  CHECK(out[0] == Sample(1));
  CHECK(out[1] == Sample(3));
  CHECK(out[2] == Sample(4));
  CHECK(out[3] == Sample(5));
  CHECK(decoder.stats().frames == 4);
  CHECK(decoder.stats().bad_checksum == 2);  // the corrupted frame and the truncated one
  CHECK(decoder.stats().bad_length == 1);
  CHECK(decoder.stats().skipped_bytes > 0);
}

TEST_CASE("Random bytes never crash the decoder and good frames survive among them") {
  std::mt19937 rng(5003);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> chunk(1, 64);
  std::vector<std::uint8_t> stream;
  int planted = 0;
  for (int i = 0; i < 2000; ++i) {
    for (int n = chunk(rng); n > 0; --n) {
      // 0x42 is kept out of the noise so no planted frame can be swallowed by
      // a random start byte just before it.
      auto b = static_cast<std::uint8_t>(byte(rng));
      stream.push_back(b == 0x42 ? 0x41 : b);
    }
    Append(stream, EncodeFrame(Sample(static_cast<std::uint16_t>(i))));
    ++planted;
  }
  FrameDecoder decoder;
  std::vector<Measurement> out;
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t n = std::min<std::size_t>(chunk(rng), stream.size() - at);
    decoder.Feed(std::span(stream).subspan(at, n), out);
    at += n;
  }
  REQUIRE(static_cast<int>(out.size()) == planted);
  for (int i = 0; i < planted; ++i) CHECK(out[i] == Sample(static_cast<std::uint16_t>(i)));

  std::vector<std::uint8_t> noise(1 << 16);
  for (auto& b : noise) b = static_cast<std::uint8_t>(byte(rng));
  FrameDecoder fuzzed;
  out.clear();
  fuzzed.Feed(noise, out);
  CHECK(fuzzed.stats().frames == out.size());
}

}  // namespace
}  // namespace cityedge::drivers::pms5003
