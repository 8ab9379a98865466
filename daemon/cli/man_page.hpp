// SPDX-License-Identifier: Apache-2.0
// Manual pages printed from a program's CLI11 definition, so they say what
// --help says and cannot drift from it: the build runs each program with
// --man-page (cmake/man_page.cmake) and the .deb ships the result.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace cityedge::cli {

// Whether a subcommand is shown to users (in --help, the manual and the
// completion): hidden ones have an empty group.
[[nodiscard]] bool IsListed(const CLI::App* app);

struct ManPageInfo {
  std::string name;  // the program; CLI11 learns it from argv[0] only when parsing
  int section = 1;
  std::string version;                // "cityedge 0.1.0" in the page footer
  std::vector<std::string> see_also;  // "cityedged(8)", ...
};

// The page for `app` as man(7) source. The app's description reads
// "NAME: summary. Details.": the summary is the NAME line, the details the
// DESCRIPTION. Options and (nested) subcommands follow in their definition
// order with their descriptions, defaults, choices and footers; hidden ones
// (an empty group) are left out. The app's footer goes to NOTES.
[[nodiscard]] std::string ManPage(const CLI::App& app, const ManPageInfo& info);

// Handles the hidden `--man-page` first argument: prints ManPage(app, info)
// and returns true; false for any other command line. The options and
// subcommands must all be added before the call.
[[nodiscard]] bool PrintManPageIfAsked(const CLI::App& app, int argc, char** argv,
                                       const ManPageInfo& info);

}  // namespace cityedge::cli
