// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/capture_index.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>

#include "cityedge/v1/event.pb.h"

namespace cityedge::journal {

using google::protobuf::internal::WireFormatLite;

std::int64_t CaptureBucket(std::int64_t capture_ns) {
  const std::int64_t q = capture_ns / kCaptureBucketNs;
  return capture_ns % kCaptureBucketNs < 0 ? q - 1 : q;
}

std::int64_t CaptureNsOf(std::string_view payload) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                            static_cast<int>(payload.size()));
  std::int64_t wall_ns = 0;
  while (const std::uint32_t tag = in.ReadTag()) {
    const bool capture =
        WireFormatLite::GetTagFieldNumber(tag) == v1::Event::kCaptureTimeFieldNumber &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (!capture) {
      if (!WireFormatLite::SkipField(&in, tag)) return 0;
      continue;
    }
    std::uint32_t size = 0;
    if (!in.ReadVarint32(&size)) return 0;
    const auto limit = in.PushLimit(static_cast<int>(size));
    // A message field met twice merges, so the last value read wins, as in a
    // full parse.
    while (const std::uint32_t inner = in.ReadTag()) {
      if (WireFormatLite::GetTagFieldNumber(inner) == v1::Timestamp::kWallUnixNsFieldNumber &&
          WireFormatLite::GetTagWireType(inner) == WireFormatLite::WIRETYPE_VARINT) {
        std::uint64_t value = 0;
        if (!in.ReadVarint64(&value)) return 0;
        wall_ns = static_cast<std::int64_t>(value);
      } else if (!WireFormatLite::SkipField(&in, inner)) {
        return 0;
      }
    }
    if (!in.ConsumedEntireMessage()) return 0;
    in.PopLimit(limit);
  }
  return in.ConsumedEntireMessage() ? wall_ns : 0;
}

void CaptureRunBuilder::Add(std::uint64_t seq, std::int64_t capture_ns) {
  const std::int64_t bucket = CaptureBucket(capture_ns);
  auto it = std::find_if(open_.begin(), open_.end(), [&](const Open& o) {
    return o.run.bucket == bucket && seq >= o.run.first_seq && seq - o.run.first_seq < kRunSeqs;
  });
  if (it != open_.end()) {
    CaptureRun& run = it->run;
    run.last_seq = std::max(run.last_seq, seq);
    run.min_ns = std::min(run.min_ns, capture_ns);
    run.max_ns = std::max(run.max_ns, capture_ns);
    it->changed = true;
    std::rotate(open_.begin(), it, it + 1);
    return;
  }
  if (open_.size() == kOpenRuns) {
    if (open_.back().changed) closed_.push_back(open_.back().run);
    open_.pop_back();
  }
  open_.insert(open_.begin(), Open{CaptureRun{bucket, seq, seq, capture_ns, capture_ns}, true});
}

std::vector<CaptureRun> CaptureRunBuilder::TakeChanged() {
  std::vector<CaptureRun> changed = std::move(closed_);
  closed_.clear();
  for (Open& o : open_) {
    if (!o.changed) continue;
    changed.push_back(o.run);
    o.changed = false;
  }
  return changed;
}

bool CaptureRunBuilder::has_changes() const {
  return !closed_.empty() ||
         std::any_of(open_.begin(), open_.end(), [](const Open& o) { return o.changed; });
}

std::vector<SeqRange> MergeRanges(std::vector<SeqRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const SeqRange& a, const SeqRange& b) { return a.first < b.first; });
  std::vector<SeqRange> merged;
  for (const SeqRange& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().last + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

}  // namespace cityedge::journal
