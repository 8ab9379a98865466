// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "tests/drivers/pms5003/schema_check.hpp"
#include "tests/fakes/driver_host.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_modbus(uint32_t, uint32_t);

namespace cityedge::testing {
namespace {

TEST_CASE("modbus sample.yaml follows the settings table and creates instances") {
  const ce_driver_descriptor* d = ce_driver_entry_modbus(CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR);
  REQUIRE(d != nullptr);
  const auto instances = LoadSample(*d, SourcePath("drivers/modbus/sample.yaml"));
  REQUIRE(instances.size() >= 2);
  for (const auto& instance : instances) {
    INFO(instance.id);
    for (const auto& p : instance.problems) UNSCOPED_INFO(p);
    CHECK(instance.problems.empty());
    fakes::FakeDriverHost host;
    fakes::RunningInstance created(d, host, instance.settings);
    CHECK(created.Create().empty());
  }
}

}  // namespace
}  // namespace cityedge::testing
