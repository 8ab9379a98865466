// SPDX-License-Identifier: Apache-2.0
// Gap records: the events that say what the journal lost and why.
//
// THREADING: plain values; the journal builds them on its writer thread.
#pragma once

#include <cstdint>
#include <string>

#include "cityedge/v1/event.pb.h"
#include "daemon/journal/store.hpp"

namespace cityedge::journal {

// Adds `touched` rows of class `priority` to a gap record: widens the seq and
// capture-time ranges and bumps the totals and the class's count.
void MergeIntoGap(v1::GapRecord* gap, int priority, const Touched& touched);

// Merges one gap record into another of the same reason (coalescing).
void MergeGaps(v1::GapRecord* into, const v1::GapRecord& from);

// A gap record event stamped with `now`, priority PRIORITY_CLASS_GAP, source
// "journal".
[[nodiscard]] v1::Event MakeGapEvent(const v1::GapRecord& gap, const v1::Timestamp& now);

[[nodiscard]] const char* GapReasonName(v1::GapReason reason);

}  // namespace cityedge::journal
