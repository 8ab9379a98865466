// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/gap.hpp"

#include <algorithm>

namespace cityedge::journal {
namespace {

void AddClassCount(v1::GapRecord* gap, v1::PriorityClass priority, std::uint64_t count) {
  for (auto& c : *gap->mutable_by_class()) {
    if (c.priority() == priority) {
      c.set_count(c.count() + count);
      return;
    }
  }
  auto* c = gap->add_by_class();
  c->set_priority(priority);
  c->set_count(count);
}

void WidenRange(v1::GapRecord* gap, std::uint64_t first_seq, std::uint64_t last_seq,
                std::int64_t first_ns, std::int64_t last_ns) {
  const bool empty = gap->count() == 0 && gap->first_seq() == 0 && gap->last_seq() == 0;
  if (empty || (first_seq != 0 && first_seq < gap->first_seq())) gap->set_first_seq(first_seq);
  if (empty || last_seq > gap->last_seq()) gap->set_last_seq(last_seq);
  if (empty || (first_ns != 0 && first_ns < gap->first_capture_unix_ns()) ||
      gap->first_capture_unix_ns() == 0) {
    gap->set_first_capture_unix_ns(first_ns);
  }
  if (empty || last_ns > gap->last_capture_unix_ns()) gap->set_last_capture_unix_ns(last_ns);
}

}  // namespace

void MergeIntoGap(v1::GapRecord* gap, int priority, const Touched& touched) {
  if (touched.rows == 0) return;
  WidenRange(gap, touched.first_seq, touched.last_seq, touched.first_capture_ns,
             touched.last_capture_ns);
  gap->set_count(gap->count() + touched.rows);
  AddClassCount(gap, static_cast<v1::PriorityClass>(priority), touched.rows);
}

void MergeGaps(v1::GapRecord* into, const v1::GapRecord& from) {
  WidenRange(into, from.first_seq(), from.last_seq(), from.first_capture_unix_ns(),
             from.last_capture_unix_ns());
  into->set_count(into->count() + from.count());
  for (const auto& c : from.by_class()) AddClassCount(into, c.priority(), c.count());
  if (!from.detail().empty() && into->detail() != from.detail()) {
    into->set_detail(from.detail());
  }
}

v1::Event MakeGapEvent(const v1::GapRecord& gap, const v1::Timestamp& now) {
  v1::Event event;
  event.set_source("journal");
  *event.mutable_capture_time() = now;
  event.set_priority(v1::PRIORITY_CLASS_GAP);
  *event.mutable_gap_record() = gap;
  return event;
}

const char* GapReasonName(v1::GapReason reason) {
  switch (reason) {
    case v1::GAP_REASON_QUOTA:
      return "quota";
    case v1::GAP_REASON_AGE:
      return "age";
    case v1::GAP_REASON_DISK_FULL:
      return "disk_full";
    case v1::GAP_REASON_CORRUPT:
      return "corrupt";
    case v1::GAP_REASON_REJECTED:
      return "rejected";
    case v1::GAP_REASON_OVERFLOW:
      return "overflow";
    default:
      return "unspecified";
  }
}

}  // namespace cityedge::journal
