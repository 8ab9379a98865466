// SPDX-License-Identifier: Apache-2.0
// Fuzzes the PMS5003 UART frame decoder with arbitrary serial bytes. The first
// byte sets a chunk size, so the same stream is fed whole and in chunks: both
// must decode the same frames (resynchronisation must not depend on how the
// port delivers bytes), and every decoded frame must re-encode to a frame that
// decodes to the same measurement.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "drivers/pms5003/frame_decoder.hpp"

namespace {

namespace pms = cityedge::drivers::pms5003;

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 40;
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  pms::FrameDecoder whole;
  std::vector<pms::Measurement> whole_out;
  Require(whole.Feed(stream, whole_out) == whole_out.size());

  pms::FrameDecoder chunked;
  std::vector<pms::Measurement> chunked_out;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    (void)chunked.Feed(stream.subspan(at, std::min(chunk, stream.size() - at)), chunked_out);
  }
  Require(chunked_out == whole_out);
  Require(whole.stats().frames == whole_out.size());
  Require(chunked.stats().frames == chunked_out.size());

  for (const pms::Measurement& m : whole_out) {
    const auto frame = pms::EncodeFrame(m);
    pms::FrameDecoder check;
    std::vector<pms::Measurement> again;
    Require(check.Feed(frame, again) == 1 && again.front() == m);
  }
  return 0;
}
