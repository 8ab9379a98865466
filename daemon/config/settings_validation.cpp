// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/settings_validation.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "daemon/config/values.hpp"
#include "daemon/config/yaml_support.hpp"

namespace cityedge::config {
namespace internal {
namespace {

const SettingSpec* FindSpec(const SettingsSchema& schema, std::string_view key) {
  for (const SettingSpec& spec : schema) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::vector<std::string> Keys(const SettingsSchema& schema) {
  std::vector<std::string> keys;
  for (const SettingSpec& spec : schema) keys.push_back(spec.key);
  return keys;
}

double NumericView(const v1::SettingValue& value) {
  if (value.has_int_value()) return static_cast<double>(value.int_value());
  if (value.has_double_value()) return value.double_value();
  if (value.has_list_value()) return value.list_value().items_size();
  return 0;
}

std::string GotText(SettingType type, const YAML::Node& node) {
  if (type == SettingType::kList) return fmt::format("{}", node.size());
  if (type == SettingType::kInt || type == SettingType::kDouble) return node.Scalar();
  return Quote(node.Scalar());
}

bool Bounded(SettingType type) {
  return type == SettingType::kInt || type == SettingType::kDouble ||
         type == SettingType::kDuration || type == SettingType::kSize || type == SettingType::kList;
}

}  // namespace

namespace {
std::optional<v1::SettingValue> ValidateTableList(const SettingSpec& spec, const YAML::Node& node,
                                                  const YAML::Mark& mark, const std::string& path,
                                                  ProblemList& problems);
}  // namespace

Result<v1::SettingValue> ConvertSetting(const SettingSpec& spec, const YAML::Node& node) {
  if (spec.type == SettingType::kTableList) {
    ProblemList problems{""};
    auto value = ValidateTableList(spec, node, MarkOr(node, YAML::Mark()), "", problems);
    std::vector<std::string> messages;
    for (const Problem& p : problems.Take()) {
      messages.push_back(p.path.empty() ? p.message : p.path + ": " + p.message);
    }
    if (!messages.empty()) return MakeError(Code::kInvalidArgument, "{}", Join(messages, "; "));
    return *value;
  }
  auto value = ConvertValue(spec.type, spec.allowed, node);
  if (!value || !Bounded(spec.type)) return value;
  const std::string range = RangeProblem(spec.type, NumericView(*value), spec.min, spec.max);
  if (!range.empty()) {
    return MakeError(Code::kInvalidArgument, "{}, got {}", range, GotText(spec.type, node));
  }
  return value;
}

// default_text is written as in YAML, so it goes through the YAML parser and
// then the very rules a user's value goes through.
Result<v1::SettingValue> ParseDefault(const SettingSpec& spec) {
  try {
    return ConvertSetting(spec, YAML::Load(spec.default_text));
  } catch (const YAML::Exception& e) {
    return MakeError(Code::kInternal, "default {} is not YAML: {}", Quote(spec.default_text),
                     e.msg);
  }
}

void FillMissing(const SettingsSchema& schema, const std::set<std::string>& given,
                 const YAML::Mark& owner_mark, const std::string& path, ProblemList& problems,
                 std::map<std::string, v1::SettingValue>& values) {
  for (const SettingSpec& spec : schema) {
    if (given.contains(spec.key)) continue;
    if (spec.required) {
      problems.Add(
          owner_mark, path,
          fmt::format("missing required setting {} ({})", Quote(spec.key), spec.description));
      continue;
    }
    if (spec.default_text.empty()) continue;
    auto value = ParseDefault(spec);
    if (!value) {
      problems.Add(owner_mark, KeyPath(path, spec.key),
                   "internal: the declared default is invalid: " + value.error().message());
      continue;
    }
    values.emplace(spec.key, std::move(*value));
  }
}

namespace {

// "{channel: pm2_5, addr: 3}": the mapping a one-line table spells, for the
// deprecation warning.
std::string FlowText(const YAML::Node& table) {
  YAML::Emitter emitter;
  emitter << YAML::Flow << table;
  return emitter.c_str();
}

// One item of a kTableList: a mapping, or (when the spec allows it) the
// deprecated one-line form, whose problems are placed at the item.
std::optional<v1::SettingValue::Table> ValidateTable(const SettingSpec& spec,
                                                     const YAML::Node& item, const YAML::Mark& mark,
                                                     const std::string& path,
                                                     ProblemList& problems) {
  const std::size_t before = problems.size();
  std::map<std::string, v1::SettingValue> values;
  if (item.IsMap()) {
    values = ValidateSettingsNode(spec.fields, item, mark, path, problems);
  } else if (item.IsScalar() && spec.accepts_lines) {
    Result<YAML::Node> table = ParseLineTable(item.Scalar());
    if (!table) {
      problems.Add(mark, path,
                   fmt::format("expected a mapping of {}; read as a one-line entry, {}",
                               Join(Keys(spec.fields), ", "), table.error().message()));
      return std::nullopt;
    }
    ProblemList inner{""};
    values = ValidateSettingsNode(spec.fields, *table, mark, path, inner);
    problems.AbsorbAt(std::move(inner), mark);
    problems.Warn(mark, path,
                  fmt::format("the one-line form is deprecated and will be removed; write the "
                              "entry as a mapping: {}",
                              FlowText(*table)));
  } else {
    problems.Add(mark, path,
                 fmt::format("expected a mapping of {}, got {}", Join(Keys(spec.fields), ", "),
                             NodeKindName(item)));
    return std::nullopt;
  }
  if (problems.size() != before) return std::nullopt;
  v1::SettingValue::Table table;
  table.mutable_values()->insert(values.begin(), values.end());
  return table;
}

std::optional<v1::SettingValue> ValidateTableList(const SettingSpec& spec, const YAML::Node& node,
                                                  const YAML::Mark& mark, const std::string& path,
                                                  ProblemList& problems) {
  if (!node.IsSequence()) {
    problems.Add(MarkOr(node, mark), path,
                 fmt::format("expected a list of mappings, got {}", NodeKindName(node)));
    return std::nullopt;
  }
  const std::string range =
      RangeProblem(SettingType::kList, static_cast<double>(node.size()), spec.min, spec.max);
  if (!range.empty()) {
    problems.Add(MarkOr(node, mark), path, fmt::format("{}, got {}", range, node.size()));
  }
  v1::SettingValue value;
  auto* tables = value.mutable_table_list_value()->mutable_tables();
  std::size_t index = 0;
  for (const YAML::Node& item : node) {
    const std::string item_path =
        path.empty() ? fmt::format("[{}]", index) : IndexPath(path, index);
    ++index;
    auto table = ValidateTable(spec, item, MarkOr(item, mark), item_path, problems);
    if (table) *tables->Add() = std::move(*table);
  }
  return value;
}

}  // namespace

std::map<std::string, v1::SettingValue> ValidateSettingsNode(const SettingsSchema& schema,
                                                             const YAML::Node& node,
                                                             const YAML::Mark& owner_mark,
                                                             const std::string& path,
                                                             ProblemList& problems) {
  std::map<std::string, v1::SettingValue> values;
  if (!node.IsNull() && !node.IsMap()) {
    problems.Add(MarkOr(node, owner_mark), path,
                 fmt::format("expected a mapping of settings, got {}", NodeKindName(node)));
    return values;
  }
  std::set<std::string> given;
  for (const Entry& entry : MapEntries(node, path, problems)) {
    const std::string key_path = KeyPath(path, entry.key);
    given.insert(entry.key);
    const SettingSpec* spec = FindSpec(schema, entry.key);
    if (spec == nullptr) {
      problems.Add(entry.key_mark, key_path, UnknownKeyMessage(entry.key, Keys(schema)));
      continue;
    }
    if (spec->type == SettingType::kTableList) {
      auto tables = ValidateTableList(*spec, entry.value, entry.key_mark, key_path, problems);
      if (tables) values.emplace(entry.key, std::move(*tables));
      continue;
    }
    auto value = ConvertSetting(*spec, entry.value);
    if (!value) {
      problems.Add(MarkOr(entry.value, entry.key_mark), key_path, value.error().message());
      continue;
    }
    values.emplace(entry.key, std::move(*value));
  }
  FillMissing(schema, given, owner_mark, path, problems, values);
  return values;
}

}  // namespace internal

namespace {

using internal::ProblemList;

std::string EscapeCell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string RangeText(const SettingSpec& spec) {
  const auto bound = [&](double v) { return internal::FormatBound(spec.type, v); };
  const std::string items = spec.type == SettingType::kList        ? " items"
                            : spec.type == SettingType::kTableList ? " tables"
                                                                   : "";
  if (spec.min && spec.max)
    return fmt::format("{} .. {}{}", bound(*spec.min), bound(*spec.max), items);
  if (spec.min) return fmt::format(">= {}{}", bound(*spec.min), items);
  if (spec.max) return fmt::format("<= {}{}", bound(*spec.max), items);
  return {};
}

std::string TypeText(const SettingSpec& spec) {
  std::string type(SettingTypeName(spec.type));
  if (!spec.allowed.empty()) type += ": " + internal::Join(spec.allowed, ", ");
  return type;
}

}  // namespace

SettingsResult ValidateSettings(const SettingsSchema& schema, const YAML::Node& node,
                                std::string_view file_name, std::string_view path) {
  ProblemList problems{std::string(file_name)};
  try {
    auto values = internal::ValidateSettingsNode(schema, node, internal::MarkOr(node, YAML::Mark()),
                                                 std::string(path), problems);
    if (problems.empty()) return Settings(std::move(values));
  } catch (const YAML::Exception& e) {
    problems.Add(e.mark, path, "unreadable YAML: " + e.msg);
  }
  return std::unexpected(problems.Take());
}

SettingsResult ValidateSettingsText(const SettingsSchema& schema, std::string_view yaml_text,
                                    std::string_view file_name) {
  internal::SingleDocument document;
  try {
    document = internal::LoadSingleDocument(yaml_text);
  } catch (const YAML::ParserException& e) {
    ProblemList problems{std::string(file_name)};
    problems.Add(e.mark, "", "YAML syntax error: " + e.msg);
    return std::unexpected(problems.Take());
  }
  if (document.second_document) {
    ProblemList problems{std::string(file_name)};
    problems.Add(*document.second_document, "", "only one YAML document is allowed");
    return std::unexpected(problems.Take());
  }
  return ValidateSettings(schema, document.node, file_name, "settings");
}

namespace {

void CheckSpecs(const SettingsSchema& schema, const std::string& prefix, bool nested,
                std::vector<std::string>& mistakes) {
  std::set<std::string> keys;
  for (const SettingSpec& spec : schema) {
    const auto add = [&](std::string what) { mistakes.push_back(prefix + spec.key + ": " + what); };
    if (auto ident = CheckIdent(spec.key); !ident) add("key: " + ident.error().message());
    if (!keys.insert(spec.key).second) add("declared twice");
    if (spec.type == SettingType::kEnum && spec.allowed.empty()) add("enum without allowed values");
    if (spec.min && spec.max && *spec.min > *spec.max) add("min is above max");
    if (spec.description.empty()) add("no description");
    if (spec.required && !spec.default_text.empty()) add("required and has a default");
    if (spec.type == SettingType::kTableList) {
      if (nested) add("a list of tables inside a table");
      if (spec.fields.empty()) add("a list of tables without fields");
      CheckSpecs(spec.fields, prefix + spec.key + "[].", true, mistakes);
    } else if (!spec.fields.empty() || spec.accepts_lines) {
      add("fields or one-line items on a setting that is not a list of tables");
    }
    if (spec.default_text.empty()) continue;
    if (auto value = internal::ParseDefault(spec); !value) {
      add("default: " + value.error().message());
    }
  }
}

}  // namespace

std::vector<std::string> CheckSettingsSchema(const SettingsSchema& schema) {
  std::vector<std::string> mistakes;
  CheckSpecs(schema, "", false, mistakes);
  return mistakes;
}

namespace {

std::string Row(const SettingSpec& spec, std::string_view key_prefix) {
  const std::string def = spec.required ? "(required)" : spec.default_text;
  return fmt::format("| {} | {} | {} | {} | {} | {} |\n",
                     EscapeCell(fmt::format("{}{}", key_prefix, spec.key)),
                     EscapeCell(TypeText(spec)), EscapeCell(def), EscapeCell(RangeText(spec)),
                     EscapeCell(spec.unit), EscapeCell(spec.description));
}

}  // namespace

std::string DescribeSettings(std::string_view type_name, const SettingsSchema& schema) {
  std::string out = fmt::format("Settings of `{}`:\n\n", type_name);
  out += "| key | type | default | range | unit | description |\n";
  out += "|---|---|---|---|---|---|\n";
  // The fields of a list of tables follow it as "registers[].order" rows.
  for (const SettingSpec& spec : schema) {
    out += Row(spec, "");
    for (const SettingSpec& field : spec.fields) out += Row(field, spec.key + "[].");
  }
  return out;
}

}  // namespace cityedge::config
