// SPDX-License-Identifier: Apache-2.0
// Internal to cityedge_config: helpers shared by the config loader and the
// settings validator. Not for use outside daemon/config/.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "cityedge/v1/config.pb.h"
#include "daemon/config/problem.hpp"
#include "daemon/config/settings.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::config::internal {

// Collects problems of one file; marks are yaml-cpp's 0-based positions.
class ProblemList {
 public:
  explicit ProblemList(std::string file) : file_(std::move(file)) {}

  void Add(const YAML::Mark& mark, std::string_view path, std::string message);
  // Something that works but should change (a deprecated form); not a problem.
  void Warn(const YAML::Mark& mark, std::string_view path, std::string message);
  // Moves `other`'s problems and warnings here, all placed at `mark`: for
  // text that was parsed on its own, whose positions mean nothing in the file.
  void AbsorbAt(ProblemList&& other, const YAML::Mark& mark);
  [[nodiscard]] bool empty() const { return problems_.empty(); }
  [[nodiscard]] std::size_t size() const { return problems_.size(); }
  // Sorted by position so that the report reads top to bottom.
  [[nodiscard]] std::vector<Problem> Take();
  [[nodiscard]] std::vector<Problem> TakeWarnings();

 private:
  std::string file_;
  std::vector<Problem> problems_;
  std::vector<Problem> warnings_;
};

// The single YAML document of `text` (a null node for empty text), or the
// mark of the first node of a second document. Throws YAML::ParserException
// on a syntax error. Use it instead of YAML::LoadAll: yaml-cpp 0.7's LoadAll
// never returns on some malformed text (",a: b\n: c" yields empty documents
// at the same position forever, allocating until memory runs out).
struct SingleDocument {
  YAML::Node node;
  std::optional<YAML::Mark> second_document;
};
[[nodiscard]] SingleDocument LoadSingleDocument(std::string_view text);

struct Entry {
  std::string key;
  YAML::Mark key_mark;
  YAML::Node value;
};

// The entries of a mapping in document order. yaml-cpp keeps repeated keys, so
// they are reported here (the first is kept), as are keys that are not plain
// names. A null node (a key with nothing under it) is an empty mapping.
[[nodiscard]] std::vector<Entry> MapEntries(const YAML::Node& node, std::string_view path,
                                            ProblemList& problems);

[[nodiscard]] std::string KeyPath(std::string_view parent, std::string_view key);
[[nodiscard]] std::string IndexPath(std::string_view parent, std::size_t index);
// "a mapping", "a list", "nothing", "a value".
[[nodiscard]] std::string_view NodeKindName(const YAML::Node& node);
// The node's mark, or `fallback` for nodes without one.
[[nodiscard]] YAML::Mark MarkOr(const YAML::Node& node, const YAML::Mark& fallback);
// "unknown key "x"; valid keys: a, b, c" plus "did you mean ..." for a near miss.
[[nodiscard]] std::string UnknownKeyMessage(std::string_view key,
                                            const std::vector<std::string>& valid);
[[nodiscard]] std::string Join(const std::vector<std::string>& items, std::string_view separator);

// How a value of each type is written and converted: the same rules serve
// plugin settings and config.proto fields.
[[nodiscard]] std::string ExpectedPhrase(SettingType type, const std::vector<std::string>& allowed);
[[nodiscard]] Result<v1::SettingValue> ConvertValue(SettingType type,
                                                    const std::vector<std::string>& allowed,
                                                    const YAML::Node& node);
// Empty when `value` is within the inclusive bounds; otherwise the message.
[[nodiscard]] std::string RangeProblem(SettingType type, double value, std::optional<double> min,
                                       std::optional<double> max);
// Bound spelled in the type's unit ("1MiB", "1s", "65535").
[[nodiscard]] std::string FormatBound(SettingType type, double bound);

// ConvertValue plus the spec's min/max.
[[nodiscard]] Result<v1::SettingValue> ConvertSetting(const SettingSpec& spec,
                                                      const YAML::Node& node);
// The spec's default_text through the YAML parser and ConvertSetting.
[[nodiscard]] Result<v1::SettingValue> ParseDefault(const SettingSpec& spec);

// The deprecated one-line form of a table, "field=value field=value", as the
// mapping it spells (plain scalars). A word without "=" or an empty field
// name is an error.
[[nodiscard]] Result<YAML::Node> ParseLineTable(std::string_view text);

// Settings of one instance: problems go to `problems`, the result holds every
// valid given value and every default.
[[nodiscard]] std::map<std::string, v1::SettingValue> ValidateSettingsNode(
    const SettingsSchema& schema, const YAML::Node& node, const YAML::Mark& owner_mark,
    const std::string& path, ProblemList& problems);

}  // namespace cityedge::config::internal
