// SPDX-License-Identifier: Apache-2.0
#include "daemon/cli/man_page.hpp"

#include <cctype>
#include <cstdio>
#include <sstream>
#include <vector>

namespace cityedge::cli {
namespace {

// Text for roff's fill mode: backslashes escaped, a line that would start
// with a control character (. or ') protected, and the dashes of a word that
// starts with one (an option name, "--expect-hash") written as minus signs,
// so they stay "-" when rendered and can be searched for and pasted.
std::string Roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  bool option_word = false;
  char previous = ' ';
  for (const char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (c == '-' && (std::isspace(static_cast<unsigned char>(previous)) || previous == '(' ||
                     previous == '`' || previous == '"')) {
      option_word = true;
    } else if (space || c == ',' || c == ';' || c == ')' || c == '`' || c == '"') {
      option_word = false;
    }
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-' && option_word) {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
    previous = c;
  }
  return out;
}

// A name (option, command) with every dash a minus sign.
std::string RoffName(const std::string& name) {
  std::string out;
  for (const char c : name) out += c == '-' ? "\\-" : c == '\\' ? "\\e" : std::string(1, c);
  return out;
}

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \n") - first + 1);
}

std::string Upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string Capitalized(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

// "-s, --source TEXT" in bold and italics.
std::string OptionTag(const CLI::Option* option) {
  std::string tag;
  if (!option->nonpositional()) return "\\fI" + Roff(option->get_name(true)) + "\\fR";
  for (const auto& s : option->get_snames()) tag += (tag.empty() ? "" : ", ") + ("\\fB\\-" + s);
  for (const auto& l : option->get_lnames()) {
    tag += (tag.empty() ? "" : "\\fR, ") + ("\\fB\\-\\-" + RoffName(l));
  }
  tag += "\\fR";
  if (option->get_type_size() != 0 && option->get_expected_max() != 0) {  // not a flag
    std::string type = option->get_type_name();
    type = type.substr(0, type.find(':'));
    const bool optional = option->get_expected_min() == 0;
    tag += " " + std::string(optional ? "[" : "") + "\\fI" + (type.empty() ? "VALUE" : type) +
           "\\fR" + (optional ? "]" : "");
  }
  return tag;
}

// Description, then what --help shows after the name: choices and ranges
// (the validator's description), the default, what it needs or excludes.
std::string OptionText(const CLI::Option* option) {
  std::vector<std::string> notes;
  const std::string type = option->get_type_name();
  if (const auto colon = type.find(':'); colon != std::string::npos) {
    notes.push_back(type.substr(colon + 1));
  }
  if (!option->get_default_str().empty()) notes.push_back("default: " + option->get_default_str());
  if (option->get_required() && !option->nonpositional()) notes.emplace_back("required");
  for (const auto* need : option->get_needs()) notes.push_back("needs " + need->get_name());
  for (const auto* exclude : option->get_excludes()) {
    notes.push_back("not with " + exclude->get_name());
  }
  std::string text = option->get_description();
  for (std::size_t i = 0; i < notes.size(); ++i) {
    text += (i == 0 ? " (" : "; ") + notes[i] + (i + 1 == notes.size() ? ")" : "");
  }
  return Roff(text);
}

// The options of `app` (positionals: its arguments), without --help in a
// subcommand: the page has said it once.
void Options(std::ostringstream& out, const CLI::App& app, bool positionals) {
  for (const auto* option : app.get_options()) {
    if (option->get_group().empty() || option->nonpositional() == positionals) continue;
    if (app.get_parent() != nullptr && option == app.get_help_ptr()) continue;
    out << ".TP\n" << OptionTag(option) << "\n" << OptionText(option) << "\n";
  }
}

// "config apply": the subcommand names from the top, without the program.
std::string Path(const CLI::App& app) {
  if (app.get_parent() == nullptr) return "";
  const std::string parent = Path(*app.get_parent());
  return parent.empty() ? app.get_name() : parent + " " + app.get_name();
}

// "cityedge config apply [OPTIONS] file": the program in bold, the rest as
// --help's usage line says it.
std::string Synopsis(const CLI::App& app, const std::string& program) {
  std::string line = "\\fB" + Roff(program) + "\\fR";
  if (app.get_parent() != nullptr) line += " \\fB" + RoffName(Path(app)) + "\\fR";
  bool has_options = false;
  for (const auto* option : app.get_options()) {
    has_options = has_options || (option->nonpositional() && !option->get_group().empty() &&
                                  (app.get_parent() == nullptr || option != app.get_help_ptr()));
  }
  if (has_options) line += " [\\fIOPTIONS\\fR]";
  for (const auto* option : app.get_options()) {
    if (option->nonpositional() || option->get_group().empty()) continue;
    const std::string name = "\\fI" + Roff(option->get_name(true)) + "\\fR";
    line += " " + (option->get_required() ? name : "[" + name + "]");
  }
  if (!app.get_subcommands(IsListed).empty()) {
    line += app.get_require_subcommand_min() > 0 ? " \\fICOMMAND\\fR" : " [\\fICOMMAND\\fR]";
  }
  return line;
}

void Commands(std::ostringstream& out, const CLI::App& app, const std::string& program) {
  for (const auto* sub : app.get_subcommands(IsListed)) {
    out << ".SS \"" << RoffName(Path(*sub)) << "\"\n"
        << Roff(sub->get_description()) << "\n.PP\n"
        << Synopsis(*sub, program) << "\n";
    Options(out, *sub, true);
    Options(out, *sub, false);
    // A subcommand inherits its parent's footer unless it sets its own.
    const std::string footer = Trim(sub->get_footer());
    if (!footer.empty() && footer != Trim(app.get_footer())) {
      out << ".PP\n" << Roff(footer) << "\n";
    }
    Commands(out, *sub, program);
  }
}

}  // namespace

bool IsListed(const CLI::App* app) { return !app->get_group().empty(); }

std::string ManPage(const CLI::App& app, const ManPageInfo& info) {
  const std::string& program = info.name;
  std::string summary = app.get_description();
  // "cityedged: the daemon. Details." -> "the daemon" and "Details."
  if (summary.starts_with(program + ": ")) summary.erase(0, program.size() + 2);
  std::string details;
  if (const auto end = summary.find(". "); end != std::string::npos) {
    details = Trim(summary.substr(end + 2));
    summary.erase(end);
  } else if (const auto nl = summary.find(".\n"); nl != std::string::npos) {
    details = Trim(summary.substr(nl + 2));
    summary.erase(nl);
  }
  if (summary.ends_with('.')) summary.pop_back();

  std::ostringstream out;
  out << ".TH " << Upper(program) << " " << info.section << " \"\" \"" << Roff(info.version)
      << "\" \"CityEdge\"\n"
      // No hyphenation (paths and option names stay whole), ragged right.
      << ".nh\n.ad l\n"
      << ".SH NAME\n"
      << Roff(program) << " \\- " << Roff(summary) << "\n"
      << ".SH SYNOPSIS\n"
      << Synopsis(app, program) << "\n"
      << ".SH DESCRIPTION\n"
      << Roff(details.empty() ? Capitalized(summary) + "." : details) << "\n";
  out << ".SH OPTIONS\n";
  Options(out, app, true);
  Options(out, app, false);
  if (!app.get_subcommands(IsListed).empty()) {
    out << ".SH COMMANDS\n";
    Commands(out, app, program);
  }
  if (const std::string footer = Trim(app.get_footer()); !footer.empty()) {
    out << ".SH NOTES\n" << Roff(footer) << "\n";
  }
  if (!info.see_also.empty()) {
    out << ".SH SEE ALSO\n";
    for (std::size_t i = 0; i < info.see_also.size(); ++i) {
      const std::string& ref = info.see_also[i];
      const auto paren = ref.find('(');
      out << ".BR " << Roff(ref.substr(0, paren)) << " " << ref.substr(paren)
          << (i + 1 < info.see_also.size() ? "," : "") << "\n";
    }
  }
  return out.str();
}

bool PrintManPageIfAsked(const CLI::App& app, int argc, char** argv, const ManPageInfo& info) {
  if (argc != 2 || std::string(argv[1]) != "--man-page") return false;
  std::fputs(ManPage(app, info).c_str(), stdout);
  return true;
}

}  // namespace cityedge::cli
