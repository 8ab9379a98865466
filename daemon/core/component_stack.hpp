// SPDX-License-Identifier: Apache-2.0
// The one owner of a start/stop order: components are pushed as they start
// and stopped in reverse, last started first, by Stop or by the destructor,
// so every way out of a start sequence (an error half-way included) stops
// exactly what had started, in the right order, without a teardown list.
//
// A component is a stop action (Start, Push) or an object the stack keeps
// alive (Own), with a stop action of its own if it runs. Objects are stopped
// and destroyed at their place in the order: after everything pushed later
// has stopped, so later components may borrow them.
//
// OWNERSHIP: owns the objects given to Own and the stop actions.
// THREADING: not synchronised; one thread at a time. Stop actions run on the
// thread that calls Stop or destroys the stack.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "daemon/core/status.hpp"

namespace cityedge {

class ComponentStack {
 public:
  ComponentStack() = default;
  ~ComponentStack() { Stop(); }
  ComponentStack(const ComponentStack&) = delete;
  ComponentStack& operator=(const ComponentStack&) = delete;

  // Runs `start`; when it succeeds, `stop` goes on top of the stack. A start
  // that fails records nothing (a component that fails to start leaves
  // nothing running of itself) and its error is returned as it is; what
  // started before stays on the stack for the caller's Stop or destructor.
  [[nodiscard]] Status Start(std::string name, const std::function<Status()>& start,
                             std::function<void()> stop);
  // A component that is already running (started by its constructor or by a
  // call that cannot fail).
  void Push(std::string name, std::function<void()> stop);
  // Keeps `object` until the stack stops down to it, then runs `stop` on it
  // (if given) and destroys it; returns it, borrowed.
  template <typename T>
  T& Own(std::string name, std::unique_ptr<T> object,
         std::type_identity_t<std::function<void(T&)>> stop = {}) {
    T& borrowed = *object;
    std::function<void()> stop_owned;
    if (stop) stop_owned = [&borrowed, stop = std::move(stop)] { stop(borrowed); };
    entries_.push_back(
        Entry{std::move(name), std::move(stop_owned), std::shared_ptr<void>(std::move(object))});
    return borrowed;
  }

  // Stops every component, last pushed first, and destroys the objects owned.
  // Idempotent; the stack may be filled again afterwards.
  void Stop();

  // The components on the stack, first pushed first.
  [[nodiscard]] std::vector<std::string> Names() const;
  [[nodiscard]] bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::string name;
    std::function<void()> stop;
    std::shared_ptr<void> owned;
  };
  std::vector<Entry> entries_;
};

}  // namespace cityedge
