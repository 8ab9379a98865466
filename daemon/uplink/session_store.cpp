// SPDX-License-Identifier: Apache-2.0
#include "daemon/uplink/session_store.hpp"

#include <charconv>

#include "daemon/core/atomic_file.hpp"

namespace cityedge::uplink {

Result<std::uint64_t> SessionStore::Load() const {
  auto read = ReadSmallFile(path_);
  if (!read) {
    if (read.error().code() == Code::kNotFound) return 0;
    return std::unexpected(read.error().Wrap("cannot read session seq file"));
  }
  std::string text = std::move(*read);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return MakeError(Code::kDataLoss,
                     "session seq file {} does not hold a number; remove it to start over", path_);
  }
  return value;
}

Status SessionStore::Save(std::uint64_t seq) const {
  return WriteFileAtomically(path_, std::to_string(seq) + "\n", 0640);
}

}  // namespace cityedge::uplink
