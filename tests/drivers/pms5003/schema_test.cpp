// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "tests/drivers/pms5003/schema_check.hpp"
#include "tests/fakes/driver_host.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_pms5003(uint32_t, uint32_t);

namespace cityedge::testing {
namespace {

TEST_CASE("pms5003 sample.yaml follows the schema and creates an instance") {
  const ce_driver_descriptor* d = ce_driver_entry_pms5003(CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR);
  REQUIRE(d != nullptr);
  const auto instances = LoadSample(*d, SourcePath("drivers/pms5003/sample.yaml"));
  REQUIRE_FALSE(instances.empty());
  for (const auto& instance : instances) {
    INFO(instance.id);
    CHECK(instance.problems.empty());
    for (const auto& p : instance.problems) UNSCOPED_INFO(p);
    fakes::FakeDriverHost host;
    fakes::RunningInstance created(d, host, instance.settings);
    CHECK(created.Create().empty());
  }
}

}  // namespace
}  // namespace cityedge::testing
