// SPDX-License-Identifier: Apache-2.0
// Fuzzes the strict config loader: arbitrary bytes as cityedged.yaml, checked
// against the real driver and pipeline schemas. Besides sanitizer findings it
// checks the loader's contract: ok() exactly when no problem was reported, a
// hash only for a good config, the hash deterministic, and a good config
// loading again from its own text with the same result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "daemon/config/loader.hpp"
#include "pipelines/pipeline.hpp"
#include "tests/fuzz/real_registry.hpp"

namespace {

using cityedge::config::Loaded;

const cityedge::config::SchemaRegistry& Registry() {
  static const auto* registry = new cityedge::fuzz::RealRegistry(
      [](std::string_view type) -> const cityedge::config::SettingsSchema* {
        const auto* p = cityedge::pipelines::FindPipelineType(type);
        return p != nullptr ? &p->schema : nullptr;
      },
      [] {
        std::vector<std::string> names;
        for (const auto& p : cityedge::pipelines::BuiltinPipelineTypes()) names.push_back(p.name);
        return names;
      });
  return registry->schemas();
}

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Loaded loaded = cityedge::config::LoadConfigText(text, "fuzz.yaml", Registry());
  std::ostringstream report;
  const int exit_code = cityedge::config::ReportProblems(loaded, report);
  if (!loaded.ok()) {
    Require(loaded.hash.empty());
    Require(exit_code == cityedge::config::kExitConfig);
    Require(!report.str().empty());
    return 0;
  }
  Require(exit_code == 0 && report.str().empty());
  Require(loaded.hash == cityedge::config::ConfigHash(loaded.config));
  Require(loaded.hash.size() == 64);
  // A good config is a fixed point: the same text loads to the same hash.
  const Loaded again = cityedge::config::LoadConfigText(text, "fuzz.yaml", Registry());
  Require(again.ok() && again.hash == loaded.hash);
  return 0;
}
