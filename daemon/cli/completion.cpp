// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/completion.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "daemon/cli/man_page.hpp"

namespace cityedge::cli {
namespace {

// The option `word` ("--name" or "-x", without "=value") names in `app`.
const CLI::Option* FindOption(const CLI::App& app, const std::string& word) {
  for (const auto* option : app.get_options()) {
    if (!option->nonpositional()) continue;
    const auto& names = word.starts_with("--") ? option->get_lnames() : option->get_snames();
    const std::string name = word.substr(word.starts_with("--") ? 2 : 1);
    if (std::find(names.begin(), names.end(), name) != names.end()) return option;
  }
  return nullptr;
}

bool TakesValue(const CLI::Option* option) {
  return option->get_type_size() != 0 && option->get_expected_max() > 0;
}

std::string LongName(const CLI::Option* option) {
  return option->get_lnames().empty() ? option->get_name() : option->get_lnames().front();
}

// The members of a CLI::IsMember check, which CLI11 shows in the type name
// as "TEXT:{a,b,c}".
std::vector<std::string> Choices(const CLI::Option* option) {
  const std::string type = option->get_type_name();
  const auto open = type.find('{');
  const auto close = type.find('}', open);
  std::vector<std::string> choices;
  if (open == std::string::npos || close == std::string::npos) return choices;
  std::string member;
  for (const char c : type.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      choices.push_back(member);
      member.clear();
    } else if (c != ' ') {
      member += c;
    }
  }
  choices.push_back(member);
  return choices;
}

bool NamesInstance(const CLI::Option* option) {
  std::string text = option->get_description();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find("instance") != std::string::npos;
}

std::vector<std::string> Values(const CLI::Option* option,
                                const std::map<std::string, std::string>& given,
                                const InstanceLister& instances) {
  if (auto choices = Choices(option); !choices.empty()) return choices;
  if (NamesInstance(option)) return instances ? instances(given) : std::vector<std::string>{};
  // Numbers (INT, UINT, FLOAT) have nothing to offer; text may be a path.
  if (!option->get_type_name().starts_with("TEXT")) return {};
  return {kCompleteFiles};
}

}  // namespace

std::vector<std::string> Complete(const CLI::App& app, const std::vector<std::string>& words,
                                  const InstanceLister& instances) {
  const CLI::App* current = &app;
  std::map<std::string, std::string> given;
  std::size_t positional = 0;
  const CLI::Option* pending = nullptr;  // an option whose value comes next
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& word = words[i];
    if (pending != nullptr) {
      given[LongName(pending)] = word;
      pending = nullptr;
    } else if (word.size() > 1 && word[0] == '-') {
      const auto eq = word.find('=');
      const auto* option = FindOption(*current, word.substr(0, eq));
      if (option == nullptr || !TakesValue(option)) continue;
      if (eq == std::string::npos) {
        pending = option;
      } else {
        given[LongName(option)] = word.substr(eq + 1);
      }
    } else {
      const auto subs = current->get_subcommands(IsListed);
      const auto sub = std::find_if(subs.begin(), subs.end(),
                                    [&](const CLI::App* s) { return s->check_name(word); });
      if (sub != subs.end() && positional == 0) {
        current = *sub;
      } else {
        ++positional;
      }
    }
  }

  std::string prefix = words.empty() ? "" : words.back();
  std::vector<std::string> candidates;
  if (pending != nullptr) {
    candidates = Values(pending, given, instances);
  } else if (prefix.starts_with("-")) {
    if (const auto eq = prefix.find('='); eq != std::string::npos) {
      // "--socket=/ru": bash completes the part after "=" as a word of its own.
      if (const auto* option = FindOption(*current, prefix.substr(0, eq))) {
        candidates = Values(option, given, instances);
      }
      prefix.erase(0, eq + 1);
    } else {
      for (const auto* option : current->get_options()) {
        if (!option->nonpositional() || option->get_group().empty()) continue;
        for (const auto& l : option->get_lnames()) candidates.push_back("--" + l);
        for (const auto& s : option->get_snames()) candidates.push_back("-" + s);
      }
    }
  } else {
    if (positional == 0) {
      for (const auto* sub : current->get_subcommands(IsListed)) {
        candidates.push_back(sub->get_name());
      }
    }
    std::vector<const CLI::Option*> args = current->get_options(
        [](const CLI::Option* o) { return !o->nonpositional() && !o->get_group().empty(); });
    if (positional < args.size()) {
      for (auto& value : Values(args[positional], given, instances)) candidates.push_back(value);
    }
  }
  std::vector<std::string> matching;
  for (auto& candidate : candidates) {
    if (candidate == kCompleteFiles || candidate.starts_with(prefix)) {
      matching.push_back(std::move(candidate));
    }
  }
  return matching;
}

bool PrintCompletionIfAsked(const CLI::App& app, int argc, char** argv,
                            const InstanceLister& instances) {
  if (argc < 2 || std::string(argv[1]) != "__complete") return false;
  std::vector<std::string> words(argv + 2, argv + argc);
  if (words.empty()) words.emplace_back();
  for (const auto& candidate : Complete(app, words, instances)) {
    std::printf("%s\n", candidate.c_str());
  }
  return true;
}

}  // namespace cityedge::cli
