// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "daemon/journal/lease_table.hpp"

namespace cityedge::journal {
namespace {

using Intervals = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

TEST_CASE("Free intervals skip every leased range of the class and nothing else") {
  LeaseTable table;
  table.Add(7, 5, {10, 20});
  table.Add(8, 5, {30, 30});
  table.Add(9, 1, {0, 100});
  CHECK(table.FreeIntervals(5, 0, 50) == Intervals{{0, 9}, {20, 29}, {30, 50}});
  CHECK(table.FreeIntervals(5, 15, 25) == Intervals{{20, 25}});
  CHECK(table.FreeIntervals(5, 20, 30) == Intervals{{20, 29}});
  CHECK(table.FreeIntervals(1, 0, 200) == Intervals{{100, 200}});
  CHECK(table.FreeIntervals(4, 3, 3).empty());
  CHECK(table.Covers(5, 10));
  CHECK(table.Covers(5, 20));
  CHECK_FALSE(table.Covers(5, 21));
  CHECK_FALSE(table.Covers(4, 15));
}

TEST_CASE("Removing an owner frees all of its ranges") {
  LeaseTable table;
  table.Add(LeaseTable::kPinOwner, 2, {5, 6});
  table.Add(LeaseTable::kPinOwner, 3, {7, 7});
  table.Add(4, 2, {8, 9});
  table.RemoveOwner(LeaseTable::kPinOwner);
  CHECK_FALSE(table.Covers(2, 5));
  CHECK_FALSE(table.Covers(3, 7));
  CHECK(table.Covers(2, 9));
  CHECK(table.FreeIntervals(2, 0, 20) == Intervals{{0, 7}, {9, 20}});
}

}  // namespace
}  // namespace cityedge::journal
