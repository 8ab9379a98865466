// SPDX-License-Identifier: Apache-2.0
#include "daemon/app/registry.hpp"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "daemon/host/builtin_drivers.hpp"
#include "pipelines/pipeline.hpp"

namespace cityedge::app {
namespace {

const config::SettingsSchema* FindPipelineSchema(std::string_view type) {
  const pipelines::PipelineType* p = pipelines::FindPipelineType(type);
  return p != nullptr ? &p->schema : nullptr;
}

std::vector<std::string> PipelineNames() {
  std::vector<std::string> names;
  for (const auto& p : pipelines::BuiltinPipelineTypes()) names.push_back(p.name);
  return names;
}

}  // namespace

Registry::Registry() : schemas_(drivers_, FindPipelineSchema, PipelineNames) {}

std::unique_ptr<Registry> Registry::Builtin() {
  std::unique_ptr<Registry> registry(new Registry());
  if (auto s = registry->drivers_.AddBuiltins(host::BuiltinDrivers()); !s) {
    // The built-in table is part of this binary: a bad entry is a build defect.
    spdlog::critical("built-in drivers: {}", s.error());
    std::abort();
  }
  return registry;
}

Status Registry::LoadDriverDirectory(const std::string& dir, std::vector<Error>* problems) {
  return drivers_.LoadDirectory(dir, problems);
}

vision::Plan Registry::Split(const v1::Config& config) const {
  return vision::SplitConfig(config, [this](std::string_view type) {
    auto t = drivers_.Find(type);
    return t != nullptr && t->emits_frames();
  });
}

const config::SettingsSchema* Registry::FindDriver(std::string_view type) const {
  return schemas_.FindDriver(type);
}
const config::SettingsSchema* Registry::FindPipeline(std::string_view type) const {
  return schemas_.FindPipeline(type);
}
std::vector<std::string> Registry::DriverTypes() const { return schemas_.DriverTypes(); }
std::vector<std::string> Registry::PipelineTypes() const { return schemas_.PipelineTypes(); }

}  // namespace cityedge::app
