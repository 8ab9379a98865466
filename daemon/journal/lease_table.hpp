// SPDX-License-Identifier: Apache-2.0
// Which queued rows are out on lease (or pinned by the writer), per priority
// class, as seq ranges. Rows never enter the middle of an existing range: a
// new row always has a higher seq than every row present when the range was
// recorded, so "every queued row of class c with first <= seq <= last" is
// exactly the rows of a range.
//
// THREADING: not synchronised; the journal holds its lease mutex around it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cityedge::journal {

inline constexpr int kClassCount = 6;  // v1::PriorityClass values 0..5

struct SeqRange {
  std::uint64_t first = 0;  // inclusive
  std::uint64_t last = 0;   // inclusive
};

class LeaseTable {
 public:
  // Owner id used for the writer's short-lived pins (eviction, gap coalescing).
  static constexpr std::uint64_t kPinOwner = 0;
  // Owner id of acked rows whose deletion the writer has deferred (lease ids
  // count up from 1 and never reach it).
  static constexpr std::uint64_t kAckedOwner = UINT64_MAX;

  // The parts of (after, up_to] in class `priority` not covered by any range,
  // ascending, as half-open (lo, hi] pairs.
  [[nodiscard]] std::vector<std::pair<std::uint64_t, std::uint64_t>> FreeIntervals(
      int priority, std::uint64_t after, std::uint64_t up_to) const;

  void Add(std::uint64_t owner, int priority, SeqRange range);
  // Removes every range of the owner.
  void RemoveOwner(std::uint64_t owner);
  [[nodiscard]] bool Covers(int priority, std::uint64_t seq) const;
  // The last seq of the owner's range that covers seq, if there is one.
  [[nodiscard]] std::optional<std::uint64_t> OwnedRangeEnd(std::uint64_t owner, int priority,
                                                           std::uint64_t seq) const;
  void Clear();
  [[nodiscard]] std::size_t owner_count() const { return owners_.size(); }

 private:
  struct Entry {
    std::uint64_t last;
    std::uint64_t owner;
  };
  std::map<std::uint64_t, Entry> by_class_[kClassCount];  // keyed by first
  std::unordered_map<std::uint64_t, std::vector<std::pair<int, SeqRange>>> owners_;
};

}  // namespace cityedge::journal
