// SPDX-License-Identifier: Apache-2.0
// Everything this daemon can run: built-in drivers, external drivers from
// driver_dir, built-in pipelines, and the settings schemas the config loader
// validates against.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/config/settings.hpp"
#include "daemon/core/status.hpp"
#include "daemon/host/driver_registry.hpp"
#include "daemon/vision/plan.hpp"

namespace cityedge::app {

// THREADING: filled on the main thread at startup; const afterwards.
class Registry final : public config::SchemaRegistry {
 public:
  // Built-in drivers and pipelines only.
  [[nodiscard]] static std::unique_ptr<Registry> Builtin();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Adds the external drivers of `dir`. An unsafe folder is an error; a
  // refused file is reported in `problems` and the rest still load.
  [[nodiscard]] Status LoadDriverDirectory(const std::string& dir, std::vector<Error>* problems);

  [[nodiscard]] const host::DriverRegistry& drivers() const { return drivers_; }
  // Which part of `config` the core runs and which the vision workers run.
  [[nodiscard]] vision::Plan Split(const v1::Config& config) const;

  [[nodiscard]] const config::SettingsSchema* FindDriver(std::string_view type) const override;
  [[nodiscard]] const config::SettingsSchema* FindPipeline(std::string_view type) const override;
  [[nodiscard]] std::vector<std::string> DriverTypes() const override;
  [[nodiscard]] std::vector<std::string> PipelineTypes() const override;

 private:
  Registry();
  host::DriverRegistry drivers_;
  host::DriverSchemaRegistry schemas_;
};

}  // namespace cityedge::app
