// SPDX-License-Identifier: Apache-2.0
#include "daemon/config/yaml_support.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include "daemon/config/values.hpp"

namespace cityedge::config::internal {
namespace {

// Records where each document starts and where its first node is; builds
// nothing.
class DocumentMarks final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    starts.push_back(mark);
    first_nodes.push_back(mark);
    seen_node_ = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnMapEnd() override {}

  std::vector<YAML::Mark> starts;
  std::vector<YAML::Mark> first_nodes;

 private:
  void Node(const YAML::Mark& mark) {
    if (!seen_node_ && !first_nodes.empty()) first_nodes.back() = mark;
    seen_node_ = true;
  }
  bool seen_node_ = false;
};

// Keys this close to a valid one are probably typos of it.
constexpr std::size_t kMaxTypoDistance = 2;

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A plain scalar has tag "?"; quoted ones "!", explicit tags their own.
bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

Result<std::string> ScalarText(const YAML::Node& node, std::string_view phrase) {
  if (!node.IsScalar()) {
    return MakeError(Code::kInvalidArgument, "expected {}, got {}", phrase, NodeKindName(node));
  }
  return node.Scalar();
}

// Numbers and booleans must be written plain: a quoted "10" is a string in
// YAML, and accepting it would hide a template that quotes the wrong thing.
Result<std::string> PlainText(const YAML::Node& node, std::string_view phrase) {
  auto text = ScalarText(node, phrase);
  if (text && !IsPlain(node)) {
    return MakeError(Code::kInvalidArgument,
                     "expected {}, got the quoted string {} (remove the quotes)", phrase,
                     Quote(*text));
  }
  return text;
}

v1::SettingValue StringValue(std::string text) {
  v1::SettingValue value;
  value.set_string_value(std::move(text));
  return value;
}

v1::SettingValue IntValue(std::int64_t number) {
  v1::SettingValue value;
  value.set_int_value(number);
  return value;
}

Result<v1::SettingValue> CheckedInt(Result<std::uint64_t> parsed, const YAML::Node& node) {
  if (!parsed) return std::unexpected(parsed.error());
  if (*parsed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return MakeError(Code::kInvalidArgument, "{} is too large", Quote(node.Scalar()));
  }
  return IntValue(static_cast<std::int64_t>(*parsed));
}

bool Allowed(const std::vector<std::string>& allowed, const std::string& text) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), text) != allowed.end();
}

Result<v1::SettingValue> ConvertInt(const YAML::Node& node, const std::string& phrase) {
  auto text = PlainText(node, phrase);
  if (!text) return std::unexpected(text.error());
  auto number = ParseInteger(*text);
  if (!number) return std::unexpected(number.error());
  return IntValue(*number);
}

Result<v1::SettingValue> ConvertDouble(const YAML::Node& node, const std::string& phrase) {
  auto text = PlainText(node, phrase);
  if (!text) return std::unexpected(text.error());
  auto number = ParseNumber(*text);
  if (!number) return std::unexpected(number.error());
  v1::SettingValue value;
  value.set_double_value(*number);
  return value;
}

Result<v1::SettingValue> ConvertBool(const YAML::Node& node, const std::string& phrase) {
  auto text = PlainText(node, phrase);
  if (!text) return std::unexpected(text.error());
  auto flag = ParseBool(*text);
  if (!flag) return std::unexpected(flag.error());
  v1::SettingValue value;
  value.set_bool_value(*flag);
  return value;
}

Result<v1::SettingValue> ConvertSize(const YAML::Node& node, const std::string& phrase) {
  auto text = ScalarText(node, phrase);
  if (!text) return std::unexpected(text.error());
  return CheckedInt(ParseSize(*text), node);
}

Result<v1::SettingValue> ConvertDuration(const YAML::Node& node, const std::string& phrase) {
  auto text = ScalarText(node, phrase);
  if (!text) return std::unexpected(text.error());
  return CheckedInt(ParseDuration(*text), node);
}

Result<v1::SettingValue> ConvertString(const YAML::Node& node, const std::string& phrase) {
  auto text = ScalarText(node, phrase);
  if (!text) return std::unexpected(text.error());
  return StringValue(std::move(*text));
}

using Converter = Result<v1::SettingValue> (*)(const YAML::Node&, const std::string&);

struct ScalarRule {
  SettingType type;
  Converter convert;
};

// kEnum and kString share the string rule; `allowed` is checked afterwards.
constexpr std::array<ScalarRule, 7> kScalarRules = {{{SettingType::kString, ConvertString},
                                                     {SettingType::kEnum, ConvertString},
                                                     {SettingType::kInt, ConvertInt},
                                                     {SettingType::kDouble, ConvertDouble},
                                                     {SettingType::kBool, ConvertBool},
                                                     {SettingType::kSize, ConvertSize},
                                                     {SettingType::kDuration, ConvertDuration}}};

Result<v1::SettingValue> ConvertScalar(SettingType type, const std::vector<std::string>& allowed,
                                       const YAML::Node& node) {
  const std::string phrase = ExpectedPhrase(type, allowed);
  for (const ScalarRule& rule : kScalarRules) {
    if (rule.type != type) continue;
    auto value = rule.convert(node, phrase);
    if (value && value->has_string_value() && !Allowed(allowed, value->string_value())) {
      return MakeError(Code::kInvalidArgument, "expected {}, got {}", phrase,
                       Quote(value->string_value()));
    }
    return value;
  }
  return MakeError(Code::kInternal, "setting type {} has no conversion", SettingTypeName(type));
}

// List items are scalars, or mappings/lists kept as flow YAML text for the
// plugin to interpret (a Modbus register map entry, say).
Result<v1::SettingValue> ConvertList(const std::vector<std::string>& allowed,
                                     const YAML::Node& node) {
  if (!node.IsSequence()) {
    return MakeError(Code::kInvalidArgument, "expected a list, got {}", NodeKindName(node));
  }
  v1::SettingValue value;
  auto* items = value.mutable_list_value()->mutable_items();
  for (const YAML::Node& item : node) {
    if (item.IsScalar()) {
      if (!Allowed(allowed, item.Scalar())) {
        return MakeError(Code::kInvalidArgument, "list item {} is not one of {}",
                         Quote(item.Scalar()), Join(allowed, ", "));
      }
      items->Add(std::string(item.Scalar()));
      continue;
    }
    if (item.IsNull()) return MakeError(Code::kInvalidArgument, "list has an empty item");
    YAML::Emitter emitter;
    emitter << YAML::Flow << item;
    items->Add(std::string(emitter.c_str()));
  }
  return value;
}

}  // namespace

void ProblemList::Add(const YAML::Mark& mark, std::string_view path, std::string message) {
  Problem problem{file_, 0, 0, std::string(path), std::move(message)};
  if (!mark.is_null() && mark.line >= 0) {
    problem.line = mark.line + 1;
    problem.column = mark.column + 1;
  }
  problems_.push_back(std::move(problem));
}

void ProblemList::Warn(const YAML::Mark& mark, std::string_view path, std::string message) {
  ProblemList one{file_};
  one.Add(mark, path, std::move(message));
  warnings_.push_back(std::move(one.problems_.front()));
}

void ProblemList::AbsorbAt(ProblemList&& other, const YAML::Mark& mark) {
  const auto move_all = [&](std::vector<Problem>& from, std::vector<Problem>& to) {
    for (Problem& problem : from) {
      ProblemList one{file_};
      one.Add(mark, problem.path, std::move(problem.message));
      to.push_back(std::move(one.problems_.front()));
    }
    from.clear();
  };
  move_all(other.problems_, problems_);
  move_all(other.warnings_, warnings_);
}

std::vector<Problem> ProblemList::TakeWarnings() {
  std::stable_sort(warnings_.begin(), warnings_.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(warnings_);
}

Result<YAML::Node> ParseLineTable(std::string_view text) {
  YAML::Node table(YAML::NodeType::Map);
  std::set<std::string, std::less<>> seen;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ' || text[pos] == '\t') {
      ++pos;
      continue;
    }
    std::size_t end = text.find_first_of(" \t", pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(pos, end - pos);
    const std::size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return MakeError(Code::kInvalidArgument, "{} is not field=value", Quote(word));
    }
    const std::string key(word.substr(0, eq));
    if (!seen.insert(key).second) {
      return MakeError(Code::kInvalidArgument, "field {} given twice", Quote(key));
    }
    // "?" is the tag of a plain (unquoted) scalar, which numbers must be.
    YAML::Node name(key);
    name.SetTag("?");
    YAML::Node value(std::string(word.substr(eq + 1)));
    value.SetTag("?");
    table.force_insert(name, value);
    pos = end;
  }
  return table;
}

std::vector<Problem> ProblemList::Take() {
  std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(problems_);
}

std::vector<Entry> MapEntries(const YAML::Node& node, std::string_view path,
                              ProblemList& problems) {
  std::vector<Entry> entries;
  if (!node.IsMap()) return entries;
  std::map<std::string, int, std::less<>> first_line;
  for (const auto& pair : node) {
    const YAML::Node key = pair.first;
    if (!key.IsScalar() || !IsPlain(key)) {
      problems.Add(key.Mark(), path, "keys must be plain names, not quoted or complex keys");
      continue;
    }
    const std::string name = key.Scalar();
    const auto [seen, inserted] = first_line.emplace(name, key.Mark().line + 1);
    if (!inserted) {
      problems.Add(key.Mark(), KeyPath(path, name),
                   fmt::format("duplicate key (first at line {})", seen->second));
      continue;
    }
    entries.push_back({name, key.Mark(), pair.second});
  }
  return entries;
}

std::string KeyPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

std::string IndexPath(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::string_view NodeKindName(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return "a value";
}

YAML::Mark MarkOr(const YAML::Node& node, const YAML::Mark& fallback) {
  // yaml-cpp places an empty value at the start of the next token, often the
  // next line; the key is where the reader looks.
  if (node.IsNull()) return fallback;
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? fallback : mark;
}

std::string UnknownKeyMessage(std::string_view key, const std::vector<std::string>& valid) {
  std::string message = fmt::format("unknown key {}", Quote(key));
  std::size_t best = kMaxTypoDistance + 1;
  std::string_view guess;
  for (const std::string& candidate : valid) {
    const std::size_t distance = EditDistance(key, candidate);
    if (distance < best) {
      best = distance;
      guess = candidate;
    }
  }
  if (!guess.empty()) message += fmt::format(" (did you mean {}?)", Quote(guess));
  return message + "; valid keys: " + Join(valid, ", ");
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string ExpectedPhrase(SettingType type, const std::vector<std::string>& allowed) {
  if (!allowed.empty() && type != SettingType::kList) {
    return fmt::format("one of {}", Join(allowed, ", "));
  }
  switch (type) {
    case SettingType::kInt:
      return std::string(kIntegerPhrase);
    case SettingType::kDouble:
      return std::string(kNumberPhrase);
    case SettingType::kBool:
      return std::string(kBoolPhrase);
    case SettingType::kDuration:
      return std::string(kDurationPhrase);
    case SettingType::kSize:
      return std::string(kSizePhrase);
    case SettingType::kList:
      return "a list";
    case SettingType::kTableList:
      return "a list of mappings";
    default:
      return "a string";
  }
}

Result<v1::SettingValue> ConvertValue(SettingType type, const std::vector<std::string>& allowed,
                                      const YAML::Node& node) {
  if (type == SettingType::kList) return ConvertList(allowed, node);
  return ConvertScalar(type, allowed, node);
}

std::string FormatBound(SettingType type, double bound) {
  if (bound >= 0 && bound == std::floor(bound)) {
    if (type == SettingType::kSize) return FormatSize(static_cast<std::uint64_t>(bound));
    if (type == SettingType::kDuration) return FormatDuration(static_cast<std::uint64_t>(bound));
  }
  return fmt::format("{}", bound);
}

std::string RangeProblem(SettingType type, double value, std::optional<double> min,
                         std::optional<double> max) {
  const bool low = min && value < *min;
  const bool high = max && value > *max;
  if (!low && !high) return {};
  const std::string what = type == SettingType::kList ? "must have" : "must be";
  const std::string items = type == SettingType::kList ? " items" : "";
  if (min && max && *min == *max && type == SettingType::kList) {
    return fmt::format("{} exactly {}{}", what, FormatBound(type, *min), items);
  }
  if (min && max) {
    return fmt::format("{} between {} and {}{}", what, FormatBound(type, *min),
                       FormatBound(type, *max), items);
  }
  if (low) return fmt::format("{} at least {}{}", what, FormatBound(type, *min), items);
  return fmt::format("{} at most {}{}", what, FormatBound(type, *max), items);
}

SingleDocument LoadSingleDocument(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  DocumentMarks marks;
  while (marks.starts.size() < 2 && parser.HandleNextDocument(marks)) {
    const std::size_t n = marks.starts.size();
    if (n == 2 && marks.starts[1].pos <= marks.starts[0].pos) {
      // No progress: the parser would hand out this empty document forever.
      throw YAML::ParserException(marks.starts[1], "cannot parse the text from here on");
    }
  }
  SingleDocument document;
  if (marks.starts.size() > 1) document.second_document = marks.first_nodes[1];
  document.node = YAML::Load(std::string(text));
  return document;
}

}  // namespace cityedge::config::internal
