// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/settings_validation.hpp"

#include <algorithm>
#include <functional>
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

// A list of tables, or a list with typed items: validated item by item, each
// problem named by its own key path.
bool Structured(const SettingSpec& spec) {
  return spec.type == SettingType::kTableList ||
         (spec.type == SettingType::kList && !spec.item.empty());
}

std::optional<v1::SettingValue> ValidateStructured(const SettingSpec& spec, const YAML::Node& node,
                                                   const YAML::Mark& mark, const std::string& path,
                                                   ProblemList& problems);

std::optional<std::size_t> FixedSize(const SettingSpec& spec) {
  if (spec.type != SettingType::kList || !spec.min || !spec.max || *spec.min != *spec.max ||
      *spec.min < 1) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(*spec.min);
}

std::string ShapeText(const SettingSpec& spec) {
  std::string type(SettingTypeName(spec.type));
  if (!spec.allowed.empty()) type += ": " + Join(spec.allowed, ", ");
  if (spec.type != SettingType::kList || spec.item.empty()) return type;
  const SettingSpec& item = spec.item.front();
  const std::optional<std::size_t> size = FixedSize(spec);
  if (size && *size <= 4 && !Structured(item)) {
    return "[" + Join(std::vector<std::string>(*size, ShapeText(item)), ", ") + "]";
  }
  return "list of " + ShapeText(item);
}

}  // namespace

Result<v1::SettingValue> ConvertSetting(const SettingSpec& spec, const YAML::Node& node) {
  if (Structured(spec)) {
    ProblemList problems{""};
    auto value = ValidateStructured(spec, node, MarkOr(node, YAML::Mark()), "", problems);
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

// Words are plain scalars, as if written unquoted in the file, so numbers
// among them are read as numbers.
YAML::Node LineNode(const LineValue& value) {
  if (!value.is_list) {
    YAML::Node word(value.word);
    word.SetTag("?");
    return word;
  }
  YAML::Node list(YAML::NodeType::Sequence);
  for (const LineValue& item : value.items) list.push_back(LineNode(item));
  return list;
}

Result<YAML::Node> ReadLineTable(const SettingSpec& spec, std::string_view line) {
  if (!spec.read_line) return ParseLineTable(line);
  Result<LineTable> fields = spec.read_line(line);
  if (!fields) return std::unexpected(fields.error());
  YAML::Node table(YAML::NodeType::Map);
  for (const auto& [key, value] : *fields) {
    YAML::Node name(key);
    name.SetTag("?");
    table.force_insert(name, LineNode(value));
  }
  return table;
}

// One item of a kTableList: a mapping, or (when the spec allows it) the
// deprecated one-line form, whose problems are placed at the item. `read`
// gets the mapping as read (the one-line form's as it spells it).
std::optional<v1::SettingValue::Table> ValidateTable(const SettingSpec& spec,
                                                     const YAML::Node& item, const YAML::Mark& mark,
                                                     const std::string& path, ProblemList& problems,
                                                     YAML::Node& read) {
  const std::size_t before = problems.size();
  std::map<std::string, v1::SettingValue> values;
  if (item.IsMap()) {
    read = item;
    values = ValidateSettingsNode(spec.fields, item, mark, path, problems);
  } else if (item.IsScalar() && spec.accepts_lines) {
    Result<YAML::Node> table = ReadLineTable(spec, item.Scalar());
    if (!table) {
      problems.Add(mark, path,
                   fmt::format("expected a mapping of {}; read as a one-line entry, {}",
                               Join(Keys(spec.fields), ", "), table.error().message()));
      return std::nullopt;
    }
    read = *table;
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
  // Per unique field: each value's canonical bytes -> the first table with it.
  std::map<std::string, std::map<std::string, std::size_t>> seen;
  std::size_t index = 0;
  for (const YAML::Node& item : node) {
    const std::string item_path = IndexPath(path, index);
    const YAML::Mark item_mark = MarkOr(item, mark);
    YAML::Node read;
    auto table = ValidateTable(spec, item, item_mark, item_path, problems, read);
    if (table) *tables->Add() = std::move(*table);
    // Checked on the value as written, so a repeat is found even in a table
    // that has other problems.
    for (const SettingSpec& field : spec.fields) {
      if (!field.unique || !read.IsMap()) continue;
      const YAML::Node& as_read = read;  // const: a lookup must not add the key
      const YAML::Node given = as_read[field.key];
      if (!given.IsDefined()) continue;
      const Result<v1::SettingValue> converted = ConvertSetting(field, given);
      if (!converted) continue;  // reported as the field's own problem
      const auto [first, inserted] = seen[field.key].emplace(converted->SerializeAsString(), index);
      if (inserted) continue;
      problems.Add(item.IsMap() ? MarkOr(given, item_mark) : item_mark,
                   KeyPath(item_path, field.key),
                   fmt::format("{} is already {}; each table needs its own {}",
                               given.IsScalar() ? Quote(given.Scalar()) : FlowText(given),
                               KeyPath(IndexPath(path, first->second), field.key), field.key));
    }
    ++index;
  }
  return value;
}

// "expected a list of [number, number], got a value".
std::string ExpectedList(const SettingSpec& spec, const YAML::Node& node) {
  const std::string shape = ShapeText(spec);
  return fmt::format("expected {}{}, got {}", shape.starts_with("[") ? "" : "a ", shape,
                     NodeKindName(node));
}

bool AllScalars(const YAML::Node& list) {
  for (const YAML::Node& item : list) {
    if (!item.IsScalar()) return false;
  }
  return list.size() > 0;
}

// The deprecated flat form of a list of rows: all scalars, row after row.
// Returns the rows it spells, or the node itself when it is not flat.
YAML::Node Unflatten(const SettingSpec& spec, const YAML::Node& node, const YAML::Mark& mark,
                     const std::string& path, ProblemList& problems, bool& refused) {
  refused = false;
  const std::optional<std::size_t> row = FixedSize(spec.item.front());
  if (!spec.accepts_flat || !row || !AllScalars(node)) return node;
  const std::optional<std::size_t> rows = FixedSize(spec);
  if (node.size() % *row != 0 || (rows && node.size() != *rows * *row)) {
    problems.Add(
        mark, path,
        fmt::format("{}; read as the deprecated flat form it needs {} numbers, got {}",
                    ExpectedList(spec, node[0]),
                    rows ? fmt::format("{}", *rows * *row) : fmt::format("a multiple of {}", *row),
                    node.size()));
    refused = true;
    return node;
  }
  YAML::Node grouped(YAML::NodeType::Sequence);
  for (std::size_t i = 0; i < node.size(); i += *row) {
    YAML::Node one(YAML::NodeType::Sequence);
    for (std::size_t j = 0; j < *row; ++j) one.push_back(node[i + j]);
    grouped.push_back(one);
  }
  problems.Warn(mark, path,
                fmt::format("a flat list is deprecated and will be removed; write it as rows of "
                            "{}: {}",
                            *row, FlowText(grouped)));
  return grouped;
}

// A kList with an item spec: every item converted by it, problems named
// "key[2]" ("key[2][1]" inside an item that is itself a list).
std::optional<v1::SettingValue> ValidateTypedList(const SettingSpec& spec, const YAML::Node& node,
                                                  const YAML::Mark& mark, const std::string& path,
                                                  ProblemList& problems) {
  const YAML::Mark at = MarkOr(node, mark);
  if (!node.IsSequence()) {
    problems.Add(at, path, ExpectedList(spec, node));
    return std::nullopt;
  }
  bool refused = false;
  const YAML::Node items = Unflatten(spec, node, at, path, problems, refused);
  if (refused) return std::nullopt;
  const SettingSpec& item_spec = spec.item.front();
  if (item_spec.type == SettingType::kList && AllScalars(items)) {
    // Points written as one flat list: one problem, not one per number.
    problems.Add(
        at, path,
        fmt::format("expected a list of {}, got a list of single values", ShapeText(item_spec)));
    return std::nullopt;
  }
  const std::size_t before = problems.size();
  const std::string range =
      RangeProblem(SettingType::kList, static_cast<double>(items.size()), spec.min, spec.max);
  if (!range.empty()) problems.Add(at, path, fmt::format("{}, got {}", range, items.size()));
  v1::SettingValue value;
  auto* values = value.mutable_list_value()->mutable_values();
  std::size_t index = 0;
  for (const YAML::Node& item : items) {
    const std::string item_path = IndexPath(path, index++);
    const YAML::Mark item_mark = MarkOr(item, at);
    if (Structured(item_spec)) {
      auto inner = ValidateStructured(item_spec, item, item_mark, item_path, problems);
      if (inner) *values->Add() = std::move(*inner);
      continue;
    }
    auto converted = ConvertSetting(item_spec, item);
    if (!converted) {
      problems.Add(item_mark, item_path, converted.error().message());
      continue;
    }
    *values->Add() = std::move(*converted);
  }
  if (problems.size() != before) return std::nullopt;
  return value;
}

std::optional<v1::SettingValue> ValidateStructured(const SettingSpec& spec, const YAML::Node& node,
                                                   const YAML::Mark& mark, const std::string& path,
                                                   ProblemList& problems) {
  if (spec.type == SettingType::kTableList) {
    return ValidateTableList(spec, node, mark, path, problems);
  }
  return ValidateTypedList(spec, node, mark, path, problems);
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
  std::map<std::string, YAML::Mark> deprecated_given;
  for (const Entry& entry : MapEntries(node, path, problems)) {
    const std::string key_path = KeyPath(path, entry.key);
    given.insert(entry.key);
    const SettingSpec* spec = FindSpec(schema, entry.key);
    if (spec == nullptr) {
      problems.Add(entry.key_mark, key_path, UnknownKeyMessage(entry.key, Keys(schema)));
      continue;
    }
    if (!spec->deprecated.empty()) {
      deprecated_given.emplace(entry.key, entry.key_mark);
      problems.Warn(entry.key_mark, key_path,
                    fmt::format("deprecated and will be removed; {}", spec->deprecated));
    }
    if (Structured(*spec)) {
      auto value = ValidateStructured(*spec, entry.value, entry.key_mark, key_path, problems);
      if (value) values.emplace(entry.key, std::move(*value));
      continue;
    }
    auto value = ConvertSetting(*spec, entry.value);
    if (!value) {
      problems.Add(MarkOr(entry.value, entry.key_mark), key_path, value.error().message());
      continue;
    }
    values.emplace(entry.key, std::move(*value));
  }
  for (const auto& [key, mark] : deprecated_given) {
    const SettingSpec* spec = FindSpec(schema, key);
    if (spec->replaced_by.empty() || !given.contains(spec->replaced_by)) continue;
    problems.Add(
        mark, KeyPath(path, key),
        fmt::format("give either {} or its deprecated form {}, not both", spec->replaced_by, key));
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

std::string CountOrValueRange(const SettingSpec& spec) {
  const auto bound = [&](double v) { return internal::FormatBound(spec.type, v); };
  const std::string items = spec.type == SettingType::kList        ? " items"
                            : spec.type == SettingType::kTableList ? " tables"
                                                                   : "";
  if (spec.min && spec.max && *spec.min == *spec.max && !items.empty()) {
    return fmt::format("exactly {}{}", bound(*spec.min), items);
  }
  if (spec.min && spec.max)
    return fmt::format("{} .. {}{}", bound(*spec.min), bound(*spec.max), items);
  if (spec.min) return fmt::format(">= {}{}", bound(*spec.min), items);
  if (spec.max) return fmt::format("<= {}{}", bound(*spec.max), items);
  return {};
}

// A typed list adds the range of the values inside it: ">= 3 items; values
// 0 .. 1" ("[number, number]" already says how many: "values 0 .. 1").
std::string RangeText(const SettingSpec& spec) {
  std::string range = internal::ShapeText(spec).starts_with("[") ? "" : CountOrValueRange(spec);
  const SettingSpec* inner = &spec;
  while (inner->type == SettingType::kList && !inner->item.empty()) inner = &inner->item.front();
  if (inner == &spec) return range;
  const std::string values = CountOrValueRange(*inner);
  if (values.empty()) return range;
  return range.empty() ? "values " + values : fmt::format("{}; values {}", range, values);
}

std::string DescriptionText(const SettingSpec& spec) {
  if (spec.deprecated.empty()) return spec.description;
  return fmt::format("{} (deprecated: {})", spec.description, spec.deprecated);
}

}  // namespace

SettingsResult ValidateSettings(const SettingsSchema& schema, const YAML::Node& node,
                                std::string_view file_name, std::string_view path,
                                std::vector<Problem>* warnings) {
  ProblemList problems{std::string(file_name)};
  std::optional<Settings> settings;
  try {
    auto values = internal::ValidateSettingsNode(schema, node, internal::MarkOr(node, YAML::Mark()),
                                                 std::string(path), problems);
    if (problems.empty()) settings.emplace(std::move(values));
  } catch (const YAML::Exception& e) {
    problems.Add(e.mark, path, "unreadable YAML: " + e.msg);
  }
  if (warnings != nullptr) *warnings = problems.TakeWarnings();
  if (settings) return std::move(*settings);
  return std::unexpected(problems.Take());
}

SettingsResult ValidateSettingsText(const SettingsSchema& schema, std::string_view yaml_text,
                                    std::string_view file_name, std::vector<Problem>* warnings) {
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
  return ValidateSettings(schema, document.node, file_name, "settings", warnings);
}

namespace {

// The item spec of a typed list: a scalar type, or a typed list again; no
// key, description or default of its own.
void CheckItem(const SettingSpec& item, const std::function<void(std::string)>& add) {
  if (item.type == SettingType::kTableList) add("item: a list of tables as a list item");
  if (item.type == SettingType::kList && item.item.empty()) add("item: a list without item type");
  if (item.type == SettingType::kEnum && item.allowed.empty()) add("item: enum without values");
  if (item.min && item.max && *item.min > *item.max) add("item: min is above max");
  if (!item.fields.empty() || item.accepts_lines || item.read_line || item.unique ||
      !item.default_text.empty() || item.required || !item.deprecated.empty()) {
    add("item: only a type, bounds and allowed values");
  }
  if (item.item.size() > 1) add("item: more than one item type");
  if (!item.item.empty()) CheckItem(item.item.front(), add);
}

void CheckSpecs(const SettingsSchema& schema, const std::string& prefix, bool nested,
                std::vector<std::string>& mistakes) {
  std::set<std::string> keys;
  for (const SettingSpec& spec : schema) keys.insert(spec.key);
  std::set<std::string> seen;
  for (const SettingSpec& spec : schema) {
    const std::function<void(std::string)> add = [&](std::string what) {
      mistakes.push_back(prefix + spec.key + ": " + what);
    };
    if (auto ident = CheckIdent(spec.key); !ident) add("key: " + ident.error().message());
    if (!seen.insert(spec.key).second) add("declared twice");
    if (spec.type == SettingType::kEnum && spec.allowed.empty()) add("enum without allowed values");
    if (spec.min && spec.max && *spec.min > *spec.max) add("min is above max");
    if (spec.description.empty()) add("no description");
    if (spec.required && !spec.default_text.empty()) add("required and has a default");
    if (spec.type == SettingType::kTableList) {
      if (nested) add("a list of tables inside a table");
      if (spec.fields.empty()) add("a list of tables without fields");
      if (spec.read_line && !spec.accepts_lines) add("a line reader without one-line items");
      CheckSpecs(spec.fields, prefix + spec.key + "[].", true, mistakes);
    } else if (!spec.fields.empty() || spec.accepts_lines || spec.read_line) {
      add("fields or one-line items on a setting that is not a list of tables");
    }
    if (spec.unique && !nested) add("unique outside the fields of a list of tables");
    if (!spec.item.empty()) {
      if (spec.type != SettingType::kList) add("an item type on a setting that is not a list");
      if (spec.item.size() > 1) add("more than one item type");
      CheckItem(spec.item.front(), add);
    }
    if (spec.accepts_flat && (spec.item.empty() || !internal::FixedSize(spec.item.front()))) {
      add("a flat form without a fixed-size list as item");
    }
    if (!spec.deprecated.empty() && (spec.required || !spec.default_text.empty())) {
      add("deprecated, yet required or with a default");
    }
    if (!spec.replaced_by.empty() &&
        (spec.deprecated.empty() || !keys.contains(spec.replaced_by))) {
      add("replaced_by needs a deprecated key and names a key of the same schema");
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
  return fmt::format(
      "| {} | {} | {} | {} | {} | {} |\n", EscapeCell(fmt::format("{}{}", key_prefix, spec.key)),
      EscapeCell(internal::ShapeText(spec)), EscapeCell(def), EscapeCell(RangeText(spec)),
      EscapeCell(spec.unit), EscapeCell(DescriptionText(spec)));
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
