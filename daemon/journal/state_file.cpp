// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/state_file.hpp"

#include <sstream>

#include "daemon/core/atomic_file.hpp"

namespace cityedge::journal {

std::string StatePathFor(const std::string& journal_path) { return journal_path + ".state"; }

Result<JournalState> ReadState(const std::string& path) {
  JournalState state;
  auto text = ReadSmallFile(path);
  if (!text) {
    if (text.error().code() == Code::kNotFound) return state;
    return std::unexpected(text.error());
  }
  std::istringstream in(*text);
  std::string key;
  std::uint64_t value = 0;
  int seen = 0;
  while (in >> key >> value) {
    if (key == "ceiling") state.ceiling = value, seen |= 1;
    if (key == "hwm") state.hwm = value, seen |= 2;
    if (key == "clean") state.clean = value != 0, seen |= 4;
    if (key == "boot_hi") state.boot_hi = value, seen |= 8;
    if (key == "boot_lo") state.boot_lo = value, seen |= 16;
  }
  state.boot_known = (seen & 24) == 24;
  seen &= 7;
  if (seen != 7) return MakeError(Code::kDataLoss, "{} is incomplete", path);
  state.present = true;
  return state;
}

Status WriteState(const std::string& path, const JournalState& state) {
  std::ostringstream text;
  text << "ceiling " << state.ceiling << "\nhwm " << state.hwm << "\nclean "
       << (state.clean ? 1 : 0) << "\n";
  if (state.boot_known)
    text << "boot_hi " << state.boot_hi << "\nboot_lo " << state.boot_lo << "\n";
  return WriteFileAtomically(path, text.str(), 0640);
}

}  // namespace cityedge::journal
