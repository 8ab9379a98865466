// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/lease_table.hpp"

#include <algorithm>

namespace cityedge::journal {

std::vector<std::pair<std::uint64_t, std::uint64_t>> LeaseTable::FreeIntervals(
    int priority, std::uint64_t after, std::uint64_t up_to) const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> free;
  if (priority < 0 || priority >= kClassCount || after >= up_to) return free;
  const auto& ranges = by_class_[priority];
  std::uint64_t lo = after;  // next free seq is lo + 1
  auto it = ranges.upper_bound(after);
  if (it != ranges.begin()) {
    const auto prev = std::prev(it);
    if (prev->second.last > lo) lo = prev->second.last;
  }
  for (; it != ranges.end() && lo < up_to; ++it) {
    const std::uint64_t first = it->first;
    if (first > up_to) break;
    if (first > lo + 1) free.emplace_back(lo, first - 1);
    lo = std::max(lo, it->second.last);
  }
  if (lo < up_to) free.emplace_back(lo, up_to);
  return free;
}

void LeaseTable::Add(std::uint64_t owner, int priority, SeqRange range) {
  by_class_[priority][range.first] = Entry{range.last, owner};
  owners_[owner].emplace_back(priority, range);
}

void LeaseTable::RemoveOwner(std::uint64_t owner) {
  const auto it = owners_.find(owner);
  if (it == owners_.end()) return;
  for (const auto& [priority, range] : it->second) by_class_[priority].erase(range.first);
  owners_.erase(it);
}

std::optional<std::uint64_t> LeaseTable::OwnedRangeEnd(std::uint64_t owner, int priority,
                                                       std::uint64_t seq) const {
  if (priority < 0 || priority >= kClassCount) return std::nullopt;
  const auto& ranges = by_class_[priority];
  auto it = ranges.upper_bound(seq);
  if (it == ranges.begin()) return std::nullopt;
  --it;
  if (it->second.last < seq || it->second.owner != owner) return std::nullopt;
  return it->second.last;
}

bool LeaseTable::Covers(int priority, std::uint64_t seq) const {
  const auto& ranges = by_class_[priority];
  auto it = ranges.upper_bound(seq);
  if (it == ranges.begin()) return false;
  --it;
  return it->second.last >= seq;
}

void LeaseTable::Clear() {
  for (auto& m : by_class_) m.clear();
  owners_.clear();
}

}  // namespace cityedge::journal
