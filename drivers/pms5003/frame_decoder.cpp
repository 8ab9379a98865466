// SPDX-License-Identifier: Apache-2.0
#include "frame_decoder.hpp"

#include <algorithm>
#include <numeric>

namespace cityedge::drivers::pms5003 {
namespace {

constexpr std::uint8_t kStart1 = 0x42;
constexpr std::uint8_t kStart2 = 0x4D;
constexpr std::size_t kHeaderSize = 4;
constexpr std::size_t kDataWords = 13;

// Data word i of the frame (0-based), after the 4-byte header.
std::uint16_t Word(std::span<const std::uint8_t> frame, std::size_t i) {
  const std::size_t at = kHeaderSize + 2 * i;
  return static_cast<std::uint16_t>((frame[at] << 8) | frame[at + 1]);
}

std::uint16_t Sum(std::span<const std::uint8_t> bytes) {
  return static_cast<std::uint16_t>(std::accumulate(bytes.begin(), bytes.end(), 0u));
}

// Where each Measurement field sits among the data words; the table keeps
// EncodeFrame and the decoder from disagreeing.
struct FieldSlot {
  std::uint16_t Measurement::*field;
  std::size_t word;
};
constexpr std::array<FieldSlot, 6> kMassSlots = {{
    {&Measurement::pm1_0_standard, 0},
    {&Measurement::pm2_5_standard, 1},
    {&Measurement::pm10_standard, 2},
    {&Measurement::pm1_0_atmospheric, 3},
    {&Measurement::pm2_5_atmospheric, 4},
    {&Measurement::pm10_atmospheric, 5},
}};
constexpr std::size_t kFirstCountWord = 6;

Measurement DecodeWords(std::span<const std::uint8_t> frame) {
  Measurement m;
  for (const auto& slot : kMassSlots) m.*slot.field = Word(frame, slot.word);
  for (std::size_t i = 0; i < m.counts.size(); ++i) m.counts[i] = Word(frame, kFirstCountWord + i);
  return m;
}

}  // namespace

std::size_t FrameDecoder::Feed(std::span<const std::uint8_t> bytes, std::vector<Measurement>& out) {
  const std::size_t before = out.size();
  // Appending one frame's worth at a time keeps the buffer bounded even when
  // a caller hands over megabytes of garbage.
  while (!bytes.empty()) {
    const std::size_t take = std::min(bytes.size(), kFrameSize);
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    Drain(out);
  }
  return out.size() - before;
}

void FrameDecoder::Discard(std::size_t n) {
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n));
}

void FrameDecoder::Drain(std::vector<Measurement>& out) {
  while (!buffer_.empty()) {
    // Find a start byte; a lone 0x42 at the end may be the first half of one.
    const auto start = std::find(buffer_.begin(), buffer_.end(), kStart1);
    const auto skipped = static_cast<std::size_t>(start - buffer_.begin());
    stats_.skipped_bytes += skipped;
    Discard(skipped);
    if (buffer_.size() < 2) return;
    if (buffer_[1] != kStart2) {
      ++stats_.skipped_bytes;
      Discard(1);
      continue;
    }
    if (buffer_.size() < kHeaderSize) return;
    const auto length = static_cast<std::uint16_t>((buffer_[2] << 8) | buffer_[3]);
    if (length != kFrameLength) {
      // Drop only the first byte: a real frame may start inside what we saw.
      ++stats_.bad_length;
      Discard(1);
      continue;
    }
    if (buffer_.size() < kFrameSize) return;
    const std::span<const std::uint8_t> frame(buffer_.data(), kFrameSize);
    const auto expected = static_cast<std::uint16_t>((frame[30] << 8) | frame[31]);
    if (Sum(frame.first(kFrameSize - 2)) != expected) {
      ++stats_.bad_checksum;
      Discard(1);
      continue;
    }
    out.push_back(DecodeWords(frame));
    ++stats_.frames;
    Discard(kFrameSize);
  }
}

std::array<std::uint8_t, kFrameSize> EncodeFrame(const Measurement& m, std::uint16_t reserved) {
  std::array<std::uint16_t, kDataWords> words{};
  for (const auto& slot : kMassSlots) words[slot.word] = m.*slot.field;
  for (std::size_t i = 0; i < m.counts.size(); ++i) words[kFirstCountWord + i] = m.counts[i];
  words[kDataWords - 1] = reserved;

  std::array<std::uint8_t, kFrameSize> frame{};
  frame[0] = kStart1;
  frame[1] = kStart2;
  frame[2] = 0;
  frame[3] = static_cast<std::uint8_t>(kFrameLength);
  for (std::size_t i = 0; i < kDataWords; ++i) {
    frame[kHeaderSize + 2 * i] = static_cast<std::uint8_t>(words[i] >> 8);
    frame[kHeaderSize + 2 * i + 1] = static_cast<std::uint8_t>(words[i] & 0xFF);
  }
  const std::uint16_t sum = Sum(std::span<const std::uint8_t>(frame).first(kFrameSize - 2));
  frame[30] = static_cast<std::uint8_t>(sum >> 8);
  frame[31] = static_cast<std::uint8_t>(sum & 0xFF);
  return frame;
}

}  // namespace cityedge::drivers::pms5003
