// SPDX-License-Identifier: Apache-2.0
// What a config runs, started and stopped in one order for the daemon's start
// and stop and for config apply: the pipeline router behind the sample tap,
// then the core's drivers (which feed it), then the vision workers. Stopping
// goes the other way; the router stops taking work before the drivers stop,
// so no driver waits on a pipeline while it stops.
//
// A config apply stops and starts the router and drivers; the vision workers
// are given the new plan and restart only where their part changed. Close, at
// the daemon's stop, stops everything and refuses any later start, so a
// command arriving during the stop cannot start components again.
#pragma once

#include <mutex>
#include <string>

#include "daemon/app/registry.hpp"
#include "daemon/config/applier.hpp"
#include "daemon/core/clock.hpp"
#include "daemon/core/component_stack.hpp"
#include "daemon/host/driver_host.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/vision/supervisor.hpp"
#include "pipelines/sample_tap.hpp"

namespace cityedge::app {

// Which part of a start failed: a pipeline the config cannot build (a config
// error), or a driver that did not start.
enum class StartFailure { kNone, kPipelines, kDrivers };

// OWNERSHIP: everything passed is borrowed and outlives the components.
// THREADING: every method is safe from any thread; they run one at a time.
class Components final : public config::Runtime {
 public:
  Components(const Registry& registry, journal::Journal& journal, const clock::Clock& clock,
             pipelines::SampleTap& tap, host::DriverHost& drivers, vision::Supervisor& vision);
  ~Components() override;  // Close()
  Components(const Components&) = delete;
  Components& operator=(const Components&) = delete;

  // config::Runtime: a failed start leaves none of its router and drivers
  // running; `failure`, when given, says which part failed.
  [[nodiscard]] Status Start(const v1::Config& config) override;
  [[nodiscard]] Status Start(const v1::Config& config, StartFailure* failure);
  void Stop() override;
  // Stops everything, vision workers included; later starts fail.
  void Close();

  [[nodiscard]] Status RestartDriver(const std::string& instance);
  // The next router built hangs in the named pipeline (the watchdog test).
  void StallPipelineForTest(std::string pipeline);

 private:
  const Registry& registry_;
  journal::Journal& journal_;
  const clock::Clock& clock_;
  pipelines::SampleTap& tap_;
  host::DriverHost& drivers_;
  vision::Supervisor& vision_;
  std::mutex mu_;
  bool closed_ = false;
  std::string stall_for_test_;
  ComponentStack started_;  // router, drivers
};

}  // namespace cityedge::app
