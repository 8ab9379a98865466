// SPDX-License-Identifier: Apache-2.0
// Shell completion answered from a program's CLI11 definition, so the bash
// script (packaging/bash-completion/cityedge) knows nothing of the commands
// and stays right as they change: it calls `cityedge __complete WORDS...`.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace cityedge::cli {

// Printed as the first candidate when file names fit too; the shell adds
// them (it knows the file system and quoting rules better).
inline constexpr const char* kCompleteFiles = "__files__";

// Instance ids to offer for an option or argument whose description names an
// "instance". Gets the options given so far by long name ("socket" -> path);
// returns {} when it cannot know (no daemon running).
using InstanceLister =
    std::function<std::vector<std::string>(const std::map<std::string, std::string>& given)>;

// Candidates for the last of `words` (the words after the program name, the
// last one being completed, possibly empty), prefix-filtered:
//  - after an option that takes a value: its choices (a CLI::IsMember check),
//    instances, nothing for a number, or else kCompleteFiles;
//  - a word starting with "-": the options of the innermost subcommand;
//  - otherwise its subcommands, and what its next positional argument takes.
// Hidden options and subcommands (an empty group) are never offered.
[[nodiscard]] std::vector<std::string> Complete(const CLI::App& app,
                                                const std::vector<std::string>& words,
                                                const InstanceLister& instances);

// Handles the hidden `__complete WORDS...` first argument: prints Complete's
// candidates one per line and returns true; false for any other command line.
[[nodiscard]] bool PrintCompletionIfAsked(const CLI::App& app, int argc, char** argv,
                                          const InstanceLister& instances);

}  // namespace cityedge::cli
