// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "tests/drivers/pms5003/schema_check.hpp"
#include "tests/fakes/driver_host.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_sdi12(uint32_t, uint32_t);

namespace cityedge::testing {
namespace {

TEST_CASE("sdi12 sample.yaml follows the settings table and creates an instance") {
  const ce_driver_descriptor* d = ce_driver_entry_sdi12(CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR);
  REQUIRE(d != nullptr);
  const auto instances = LoadSample(*d, SourcePath("drivers/sdi12/sample.yaml"));
  REQUIRE_FALSE(instances.empty());
  for (const auto& instance : instances) {
    INFO(instance.id);
    for (const auto& p : instance.problems) UNSCOPED_INFO(p);
    CHECK(instance.problems.empty());
    fakes::FakeDriverHost host;
    fakes::RunningInstance created(d, host, instance.settings);
    CHECK(created.Create().empty());
  }
}

TEST_CASE("The driver is offered only to hosts that can check its lists of tables") {
  CHECK(ce_driver_entry_sdi12(CE_DRIVER_ABI_MAJOR, 1) == nullptr);
  CHECK(ce_driver_entry_sdi12(CE_DRIVER_ABI_MAJOR + 1, CE_DRIVER_ABI_MINOR) == nullptr);
}

}  // namespace
}  // namespace cityedge::testing
