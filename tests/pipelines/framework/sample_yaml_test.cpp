// SPDX-License-Identifier: Apache-2.0
// Each pipeline folder's sample.yaml must stay valid against the pipeline's
// settings table, in its current forms (no deprecation warning). (Its
// README's table is compared with `cityedged --describe` by the docs tests.)
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <yaml-cpp/yaml.h>

#include "daemon/config/settings_validation.hpp"
#include "tests/pipelines/support/support.hpp"

namespace cityedge::pipelines {
namespace {

std::string PipelineDir(const std::string& name) {
  const char* root = std::getenv("CITYEDGE_SOURCE_DIR");
  REQUIRE(root != nullptr);
  return std::string(root) + "/pipelines/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  INFO(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("Every settings table passes the schema check") {
  for (const auto& type : BuiltinPipelineTypes()) {
    INFO(type.name);
    CHECK(config::CheckSettingsSchema(type.schema).empty());
  }
}

TEST_CASE("Each pipeline's sample.yaml validates against its schema and creates the pipeline") {
  for (const auto& type : BuiltinPipelineTypes()) {
    const std::string file = PipelineDir(type.name) + "/sample.yaml";
    INFO(file);
    const YAML::Node root = YAML::Load(ReadFile(file));
    int instances = 0;
    for (const auto& entry : root["pipelines"]) {
      REQUIRE(entry["type"].as<std::string>() == type.name);
      ++instances;
      std::vector<config::Problem> warnings;
      const auto settings =
          config::ValidateSettings(type.schema, entry["settings"], file, "settings", &warnings);
      INFO((settings ? "" : config::FormatProblems(settings.error())));
      REQUIRE(settings.has_value());
      // A sample shows what to write: no deprecated form.
      INFO(config::FormatProblems(warnings));
      CHECK(warnings.empty());
      fakes::RecordingSink sink;
      fakes::FakeClock clock;
      Context context{entry["id"].as<std::string>(), entry["inputs"].as<std::vector<std::string>>(),
                      &sink, &clock};
      // Vision pipelines' code is in the vision worker's table; this test also
      // runs in vision_unit_test, which links it.
#ifdef CITYEDGE_TEST_VISION_PIPELINES
      const PipelineType* full = type.create ? &type : FindVisionPipelineType(type.name);
      REQUIRE(full != nullptr);
#else
      const PipelineType* full = &type;
      if (!full->create) continue;
#endif
      const auto created = full->create(*settings, std::move(context));
      INFO((created ? "" : created.error().ToString()));
      CHECK(created.has_value());
    }
    CHECK(instances > 0);
  }
}

}  // namespace
}  // namespace cityedge::pipelines
