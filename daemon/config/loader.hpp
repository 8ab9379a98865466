// SPDX-License-Identifier: Apache-2.0
// The strict config loader: /etc/cityedge/cityedged.yaml -> v1::Config.
//
// The YAML is walked against cityedge.v1.Config's descriptor, and each field's
// (cityedge.v1.spec) option says how its value is written (size, duration,
// topic, id, URI), its bounds, allowed values and default. Rules:
//   - unknown keys are errors that list the valid keys; repeated keys are errors;
//   - values parse strictly (values.hpp); numbers and booleans must not be quoted;
//   - a key with nothing after it is an error for a value, an empty mapping for
//     a section and an empty list for a list;
//   - missing keys take their default_text, parsed by the same rules; a
//     section left out entirely takes its defaults (and stays unset when it
//     has none, like uplink.tls);
//   - repeated sections (drivers, pipelines, control.platform_keys) are YAML
//     lists of mappings;
//   - driver and pipeline `settings:` are validated against the SettingsSchema
//     of their `type:` from the SchemaRegistry;
//   - driver ids and pipeline ids are unique; every pipeline input names a
//     configured driver instance ("instance" or "instance/channel");
//   - uplink.backoff_initial_ms is not above uplink.backoff_max_ms.
// Every problem of the file is reported in one run, in file order.
//
// Thread-safe: no shared state; the registry is only read.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/v1/config.pb.h"
#include "daemon/config/problem.hpp"
#include "daemon/config/settings.hpp"

namespace cityedge::config {

// sysexits.h EX_CONFIG: systemd's unit sets RestartPreventExitStatus=78 so a
// broken config does not crash-loop.
inline constexpr int kExitConfig = 78;

struct Loaded {
  v1::Config config;              // complete (defaults applied) only when problems is empty
  std::vector<Problem> problems;  // in file order
  std::vector<Problem> warnings;  // accepted but deprecated forms, in file order
  std::string hash;               // ConfigHash(config); empty when there are problems

  [[nodiscard]] bool ok() const { return problems.empty(); }
};

// `path` is also the file name in problems. An unreadable file is one problem
// without a position.
[[nodiscard]] Loaded LoadConfigFile(const std::string& path, const SchemaRegistry& registry);
[[nodiscard]] Loaded LoadConfigText(std::string_view text, std::string_view file_name,
                                    const SchemaRegistry& registry);

// Lowercase hex SHA-256 of the deterministic serialization of `config` (map
// entries sorted), so equal configs hash equal whatever the YAML looked like.
// Reported in the birth message and in config apply acks.
[[nodiscard]] std::string ConfigHash(const v1::Config& config);

// What `cityedged --check-config` does with a result: writes every warning
// ("warning: " and the problem line) and every problem (one per line) to
// `out`, and returns kExitConfig when there are problems, else 0.
[[nodiscard]] int ReportProblems(const Loaded& loaded, std::ostream& out);

// Markdown table of every config key: key path, type, default, range, unit,
// description. Lists are shown as "drivers[]". `cityedged --describe config`.
[[nodiscard]] std::string DescribeConfigSchema();

// Checks config.proto's own annotations: every default_text parses and lies in
// range, no key is both required and defaulted, every field type is
// supported. One line per mistake; a unit test asserts it is empty.
[[nodiscard]] std::vector<std::string> CheckConfigSchema();

}  // namespace cityedge::config
