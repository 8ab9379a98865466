#include <catch2/catch.hpp>

#include "tests/drivers/pms5003/fake_host.hpp"
#include "tests/drivers/pms5003/schema_check.hpp"

extern "C" const ce_driver_descriptor* ce_driver_entry_sdi12(uint32_t, uint32_t);

namespace cityedge::testing {
namespace {

TEST_CASE("sdi12 README carries the settings table of the code") {
  const ce_driver_descriptor* d = ce_driver_entry_sdi12(1, 0);
  REQUIRE(d != nullptr);
  CHECK(ReadmeHasTable(*d));
}

TEST_CASE("sdi12 sample.yaml follows the schema and creates an instance") {
  const ce_driver_descriptor* d = ce_driver_entry_sdi12(1, 0);
  const auto instances = LoadSample(*d, SourcePath("drivers/sdi12/sample.yaml"));
  REQUIRE_FALSE(instances.empty());
  for (const auto& instance : instances) {
    INFO(instance.id);
    CHECK(instance.problems.empty());
    for (const auto& p : instance.problems) UNSCOPED_INFO(p);
    FakeHost host;
    RunningInstance created(d, host, instance.settings);
    CHECK(created.Create().empty());
  }
}

}  // namespace
}  // namespace cityedge::testing
