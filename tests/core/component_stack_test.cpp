// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/component_stack.hpp"

namespace cityedge {
namespace {

using Log = std::vector<std::string>;

// Records its destruction; `Use` fails once it is gone (the log says so).
class Part {
 public:
  Part(std::string name, Log& log) : name_(std::move(name)), log_(log) {}
  ~Part() { log_.push_back("destroy " + name_); }
  Part(const Part&) = delete;
  Part& operator=(const Part&) = delete;
  void Use(const std::string& by) { log_.push_back(by + " uses " + name_); }

 private:
  std::string name_;
  Log& log_;
};

Status Started(Log& log, const std::string& name) {
  log.push_back("start " + name);
  return OkStatus();
}

TEST_CASE("Components stop in reverse order of their start, by Stop or by the destructor") {
  Log log;
  const bool explicit_stop = GENERATE(false, true);
  {
    ComponentStack stack;
    for (const std::string name : {"journal", "uplink", "drivers", "metrics"}) {
      REQUIRE(stack.Start(
          name, [&] { return Started(log, name); },
          [&log, name] { log.push_back("stop " + name); }));
    }
    CHECK(stack.Names() == std::vector<std::string>{"journal", "uplink", "drivers", "metrics"});
    if (explicit_stop) {
      stack.Stop();
      CHECK(stack.empty());
      stack.Stop();  // idempotent
    }
  }
  CHECK(log == Log{"start journal", "start uplink", "start drivers", "start metrics",
                   "stop metrics", "stop drivers", "stop uplink", "stop journal"});
}

// The shape of a daemon's start sequence: every failure returns at once and
// the stack stops what had started.
int StartAll(Log& log, const std::string& failing) {
  ComponentStack stack;
  for (const std::string name : {"journal", "control", "uplink", "drivers", "reporter"}) {
    Status s = stack.Start(
        name,
        [&]() -> Status {
          if (name == failing) return MakeError(Code::kUnavailable, "{} refused", name);
          return Started(log, name);
        },
        [&log, name] { log.push_back("stop " + name); });
    if (!s) {
      log.push_back("failed: " + s.error().message());
      return 1;
    }
  }
  log.push_back("running");
  return 0;
}

TEST_CASE("A start that fails half-way stops what had started, newest first, and not itself") {
  Log log;
  CHECK(StartAll(log, "drivers") == 1);
  CHECK(log == Log{"start journal", "start control", "start uplink", "failed: drivers refused",
                   "stop uplink", "stop control", "stop journal"});
  log.clear();
  CHECK(StartAll(log, "journal") == 1);
  CHECK(log == Log{"failed: journal refused"});
  log.clear();
  CHECK(StartAll(log, "") == 0);
  CHECK(log.back() == "stop journal");
  CHECK(log[5] == "running");
}

TEST_CASE("An owned object lives until everything pushed after it has stopped") {
  Log log;
  {
    ComponentStack stack;
    Part& journal = stack.Own("journal", std::make_unique<Part>("journal", log));
    stack.Push("journal close", [&] { journal.Use("close"); });
    Part& uplink = stack.Own("uplink", std::make_unique<Part>("uplink", log));
    stack.Push("uplink stop", [&] {
      uplink.Use("uplink stop");
      journal.Use("uplink stop");
    });
    CHECK(stack.Names() ==
          std::vector<std::string>{"journal", "journal close", "uplink", "uplink stop"});
  }
  CHECK(log == Log{"uplink stop uses uplink", "uplink stop uses journal", "destroy uplink",
                   "close uses journal", "destroy journal"});
}

TEST_CASE("An owned object with a stop action is stopped, then destroyed, in its place") {
  Log log;
  {
    ComponentStack stack;
    Part& journal = stack.Own("journal", std::make_unique<Part>("journal", log),
                              [](Part& p) { p.Use("journal stop"); });
    stack.Own("reporter", std::make_unique<Part>("reporter", log), [&journal](Part& p) {
      p.Use("reporter stop");
      journal.Use("reporter stop");
    });
  }
  CHECK(log == Log{"reporter stop uses reporter", "reporter stop uses journal", "destroy reporter",
                   "journal stop uses journal", "destroy journal"});
}

TEST_CASE("A stopped stack can be filled and stopped again") {
  Log log;
  ComponentStack stack;
  stack.Push("router", [&] { log.push_back("stop router 1"); });
  stack.Stop();
  stack.Push("router", [&] { log.push_back("stop router 2"); });
  stack.Push("drivers", [&] { log.push_back("stop drivers 2"); });
  stack.Stop();
  CHECK(log == Log{"stop router 1", "stop drivers 2", "stop router 2"});
  CHECK(stack.Names().empty());
}

}  // namespace
}  // namespace cityedge
