// SPDX-License-Identifier: Apache-2.0
// The schemas the daemon validates against: every built-in driver of this
// build (through the same ABI bridge the daemon uses) and, when the target
// links cityedge_pipelines, the built-in pipelines. Built once per process.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "daemon/host/builtin_drivers.hpp"
#include "daemon/host/driver_registry.hpp"

namespace cityedge::fuzz {

class RealRegistry {
 public:
  explicit RealRegistry(host::DriverSchemaRegistry::PipelineLookup find_pipeline = {},
                        host::DriverSchemaRegistry::PipelineNames pipeline_names = {})
      : schemas_(drivers_, std::move(find_pipeline), std::move(pipeline_names)) {
    if (auto s = drivers_.AddBuiltins(host::BuiltinDrivers()); !s) {
      std::fprintf(stderr, "built-in drivers refused: %s\n", s.error().message().c_str());
      std::abort();
    }
  }

  [[nodiscard]] const host::DriverRegistry& drivers() const { return drivers_; }
  [[nodiscard]] const config::SchemaRegistry& schemas() const { return schemas_; }

 private:
  host::DriverRegistry drivers_;
  host::DriverSchemaRegistry schemas_;
};

}  // namespace cityedge::fuzz
