// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/component_stack.hpp"

#include "daemon/core/log.hpp"

namespace cityedge {

Status ComponentStack::Start(std::string name, const std::function<Status()>& start,
                             std::function<void()> stop) {
  if (Status started = start(); !started) return started;
  Push(std::move(name), std::move(stop));
  return OkStatus();
}

void ComponentStack::Push(std::string name, std::function<void()> stop) {
  entries_.push_back(Entry{std::move(name), std::move(stop), nullptr});
}

void ComponentStack::Stop() {
  while (!entries_.empty()) {
    // Taken off first: a stop action may look at the stack (Names) and must
    // not find itself there.
    Entry entry = std::move(entries_.back());
    entries_.pop_back();
    if (entry.stop) {
      spdlog::debug("stopping {}", entry.name);
      entry.stop();
    }
  }
}

std::vector<std::string> ComponentStack::Names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const Entry& e : entries_) names.push_back(e.name);
  return names;
}

}  // namespace cityedge
