// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/settings.hpp"

#include <cstdlib>

#include <spdlog/spdlog.h>

namespace cityedge::config {

std::string_view SettingTypeName(SettingType type) {
  switch (type) {
    case SettingType::kString:
      return "string";
    case SettingType::kInt:
      return "integer";
    case SettingType::kDouble:
      return "number";
    case SettingType::kBool:
      return "bool";
    case SettingType::kDuration:
      return "duration";
    case SettingType::kSize:
      return "size";
    case SettingType::kEnum:
      return "enum";
    case SettingType::kList:
      return "list";
    case SettingType::kTableList:
      return "list of tables";
  }
  return "unknown";
}

bool Settings::Has(std::string_view key) const {
  return values_.find(std::string(key)) != values_.end();
}

const v1::SettingValue& Settings::Get(std::string_view key) const {
  const auto it = values_.find(std::string(key));
  if (it == values_.end()) {
    // The validator fills every declared key; asking for another is a bug.
    spdlog::critical("setting \"{}\" read but never declared or validated", key);
    std::abort();
  }
  return it->second;
}

const std::string& Settings::GetString(std::string_view key) const {
  const auto& v = Get(key);
  if (!v.has_string_value()) {
    spdlog::critical("setting \"{}\" read as string but holds another type", key);
    std::abort();
  }
  return v.string_value();
}

std::int64_t Settings::GetInt(std::string_view key) const {
  const auto& v = Get(key);
  if (!v.has_int_value()) {
    spdlog::critical("setting \"{}\" read as integer but holds another type", key);
    std::abort();
  }
  return v.int_value();
}

double Settings::GetDouble(std::string_view key) const {
  const auto& v = Get(key);
  if (v.has_double_value()) return v.double_value();
  if (v.has_int_value()) return static_cast<double>(v.int_value());
  spdlog::critical("setting \"{}\" read as number but holds another type", key);
  std::abort();
}

bool Settings::GetBool(std::string_view key) const {
  const auto& v = Get(key);
  if (!v.has_bool_value()) {
    spdlog::critical("setting \"{}\" read as bool but holds another type", key);
    std::abort();
  }
  return v.bool_value();
}

std::vector<std::string> Settings::GetList(std::string_view key) const {
  const auto& v = Get(key);
  if (!v.has_list_value()) {
    spdlog::critical("setting \"{}\" read as list but holds another type", key);
    std::abort();
  }
  return {v.list_value().items().begin(), v.list_value().items().end()};
}

namespace {

double NumberOf(std::string_view key, const v1::SettingValue& v) {
  if (v.has_double_value()) return v.double_value();
  if (v.has_int_value()) return static_cast<double>(v.int_value());
  spdlog::critical("setting \"{}\" read as a list of numbers but holds another type", key);
  std::abort();
}

const v1::SettingValue::List& TypedList(std::string_view key, const v1::SettingValue& v) {
  if (!v.has_list_value() || v.list_value().items_size() != 0) {
    spdlog::critical("setting \"{}\" read as a typed list but holds another type", key);
    std::abort();
  }
  return v.list_value();
}

}  // namespace

std::vector<double> Settings::GetNumbers(std::string_view key) const {
  std::vector<double> numbers;
  if (!Has(key)) return numbers;
  for (const v1::SettingValue& item : TypedList(key, Get(key)).values()) {
    numbers.push_back(NumberOf(key, item));
  }
  return numbers;
}

std::vector<std::vector<double>> Settings::GetNumberLists(std::string_view key) const {
  std::vector<std::vector<double>> lists;
  if (!Has(key)) return lists;
  for (const v1::SettingValue& item : TypedList(key, Get(key)).values()) {
    std::vector<double>& numbers = lists.emplace_back();
    for (const v1::SettingValue& n : TypedList(key, item).values()) {
      numbers.push_back(NumberOf(key, n));
    }
  }
  return lists;
}

std::vector<Settings> Settings::GetTables(std::string_view key) const {
  std::vector<Settings> tables;
  if (!Has(key)) return tables;
  const auto& v = Get(key);
  if (!v.has_table_list_value()) {
    spdlog::critical("setting \"{}\" read as a list of tables but holds another type", key);
    std::abort();
  }
  for (const v1::SettingValue::Table& table : v.table_list_value().tables()) {
    tables.emplace_back(
        std::map<std::string, v1::SettingValue>(table.values().begin(), table.values().end()));
  }
  return tables;
}

}  // namespace cityedge::config
