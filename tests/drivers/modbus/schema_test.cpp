#include <catch2/catch.hpp>

#include "tests/drivers/pms5003/fake_host.hpp"
#include "tests/drivers/pms5003/schema_check.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_modbus(uint32_t, uint32_t);

namespace cityedge::testing {
namespace {

TEST_CASE("modbus README and sample.yaml match the settings table") {
  const ce_driver_descriptor* d = ce_driver_entry_modbus(1, 0);
  REQUIRE(d != nullptr);
  CHECK(ReadmeHasTable(*d));
  const auto instances = LoadSample(*d, SourcePath("drivers/modbus/sample.yaml"));
  REQUIRE(instances.size() >= 2);
  for (const auto& instance : instances) {
    INFO(instance.id);
    for (const auto& p : instance.problems) UNSCOPED_INFO(p);
    CHECK(instance.problems.empty());
    FakeHost host;
    RunningInstance created(d, host, instance.settings);
    CHECK(created.Create().empty());
  }
}

}  // namespace
}  // namespace cityedge::testing
