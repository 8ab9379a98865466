// SPDX-License-Identifier: Apache-2.0
// cityedged: the CityEdge gateway daemon.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "daemon/app/daemon.hpp"
#include "daemon/app/exit_codes.hpp"
#include "daemon/app/registry.hpp"
#include "daemon/cli/completion.hpp"
#include "daemon/cli/man_page.hpp"
#include "daemon/config/loader.hpp"
#include "daemon/config/settings_validation.hpp"
#include "daemon/core/log.hpp"
#include "daemon/vision/supervisor.hpp"

namespace cityedge::app {
namespace {

constexpr const char* kDefaultConfig = "/etc/cityedge/cityedged.yaml";

// Loads the config against the built-in types; when driver_dir adds external
// drivers, validates again so their settings are checked too. Refused driver
// files are warnings: a config that uses one fails as "unknown type" anyway.
config::Loaded LoadWithDrivers(const std::string& path, Registry& registry,
                               std::vector<Error>* warnings) {
  config::Loaded loaded = config::LoadConfigFile(path, registry);
  const auto before = registry.DriverTypes().size();
  if (auto s = registry.LoadDriverDirectory(loaded.config.driver_dir(), warnings); !s) {
    warnings->push_back(s.error());
  }
  if (registry.DriverTypes().size() != before) loaded = config::LoadConfigFile(path, registry);
  return loaded;
}

int CheckConfig(const std::string& path) {
  auto registry = Registry::Builtin();
  std::vector<Error> warnings;
  const config::Loaded loaded = LoadWithDrivers(path, *registry, &warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.message().c_str());
  for (const auto& w : loaded.warnings) std::fprintf(stderr, "warning: %s\n", w.ToString().c_str());
  for (const auto& problem : loaded.problems)
    std::fprintf(stderr, "%s\n", problem.ToString().c_str());
  if (!loaded.problems.empty()) {
    std::fprintf(stderr, "%s: %zu problem%s\n", path.c_str(), loaded.problems.size(),
                 loaded.problems.size() == 1 ? "" : "s");
    return kExitConfig;
  }
  // Cameras and thermal scanners run in the vision worker, a package of its own.
  const vision::Plan plan = registry->Split(loaded.config);
  if (!plan.workers.empty() && vision::FindWorkerExecutable().empty()) {
    std::vector<std::string> drivers;
    for (const auto& w : plan.workers)
      drivers.insert(drivers.end(), w.drivers.begin(), w.drivers.end());
    std::fprintf(stderr,
                 "%s: drivers %s are cameras or thermal scanners, which run in the vision worker, "
                 "but cityedge-vision is not installed (looked at %s); "
                 "install the cityedge-vision package\n",
                 path.c_str(), fmt::format("{}", fmt::join(drivers, ", ")).c_str(),
                 fmt::format("{}", fmt::join(vision::WorkerSearchPaths(), ", ")).c_str());
    return kExitConfig;
  }
  std::printf("%s: ok (config hash %s)\n", path.c_str(), loaded.hash.c_str());
  return kExitOk;
}

int Describe(const std::string& name) {
  auto registry_owner = Registry::Builtin();
  const Registry& registry = *registry_owner;
  if (name.empty() || name == "list") {
    std::printf("config\n  the daemon's own keys\ndrivers\n");
    for (const auto& t : registry.DriverTypes()) std::printf("  %s\n", t.c_str());
    std::printf("pipelines\n");
    for (const auto& t : registry.PipelineTypes()) std::printf("  %s\n", t.c_str());
    return kExitOk;
  }
  if (name == "config") {
    std::fputs(config::DescribeConfigSchema().c_str(), stdout);
    return kExitOk;
  }
  const config::SettingsSchema* schema = registry.FindDriver(name);
  const char* kind = "driver";
  if (schema == nullptr) {
    schema = registry.FindPipeline(name);
    kind = "pipeline";
  }
  if (schema == nullptr) {
    std::fprintf(stderr, "cityedged: no driver or pipeline named \"%s\" (try --describe list)\n",
                 name.c_str());
    return kExitUsage;
  }
  std::printf("%s %s\n\n%s", kind, name.c_str(), config::DescribeSettings(name, *schema).c_str());
  return kExitOk;
}

int Run(const std::string& path) {
  log::Init("info");
  auto registry = Registry::Builtin();
  std::vector<Error> warnings;
  const config::Loaded loaded = LoadWithDrivers(path, *registry, &warnings);
  for (const auto& w : warnings) spdlog::warn("{}", w.message());
  for (const auto& w : loaded.warnings) spdlog::warn("{}", w.ToString());
  if (!loaded.problems.empty()) {
    for (const auto& problem : loaded.problems) spdlog::error("{}", problem.ToString());
    spdlog::error("{}: {} configuration problem(s); not starting (exit {})", path,
                  loaded.problems.size(), kExitConfig);
    return kExitConfig;
  }
  log::Init(loaded.config.logging().level());
  return RunDaemon(path, loaded, *registry);
}

}  // namespace
}  // namespace cityedge::app

int main(int argc, char** argv) {
  using namespace cityedge::app;
  CLI::App cli{
      "cityedged: the CityEdge gateway daemon. Reads sensors and cameras through driver\n"
      "plugins, runs detection pipelines, journals every event durably and publishes it\n"
      "over MQTT to the city platform."};
  std::string config_path = kDefaultConfig;
  std::string check_path;
  std::string describe_name;
  bool version = false;
  cli.add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
  cli.add_option("--check-config", check_path,
                 "Validate FILE, print every problem, exit 0 if clean or 78 if not");
  auto* describe = cli.add_option("--describe", describe_name,
                                  "Print the settings of a driver or pipeline type, \"config\" "
                                  "for the daemon's own keys, or \"list\"");
  describe->expected(0, 1);
  cli.add_flag("-V,--version", version, "Print the version and exit");
  // Hidden: the man page and shell completion, from the definitions above.
  if (cityedge::cli::PrintManPageIfAsked(
          cli, argc, argv,
          {"cityedged", 8, std::string("cityedged ") + kVersion, {"cityedge(1)"}}) ||
      cityedge::cli::PrintCompletionIfAsked(cli, argc, argv, nullptr)) {
    return kExitOk;
  }
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  if (version) {
    std::printf("cityedged %s (schema cityedge.v1)\n", kVersion);
    return kExitOk;
  }
  if (!check_path.empty()) return CheckConfig(check_path);
  if (describe->count() > 0) return Describe(describe_name);
  return Run(config_path);
}
