// SPDX-License-Identifier: Apache-2.0
// The core's side of the vision workers: spawns one cityedge-vision process
// per WorkerPlan over a fresh socket pair, journals the events it sends,
// answers snapshot/read/restart-driver through it, and restarts it with a
// jittered exponential backoff when it exits, crashes or stops sending
// heartbeats. Each loss is reported as a DriverStatus OFFLINE event for every
// driver of the worker, with the reason ("vision worker vision-cam1 killed by
// SIGSEGV; restarting in 1000 ms"); the restarted worker's drivers report
// themselves online again.
//
// Workers die with the core (PR_SET_PDEATHSIG, set between fork and exec, and
// re-checked against a parent that is already gone) and are always reaped.
// Events from a worker are checked before they are journaled: the seq is the
// journal's to assign, a source that is not one of the worker's own instances
// is refused (a confined worker cannot speak for another), and the clock
// state, which the worker's sandbox cannot query, is stamped by the core.
//
// The systemd watchdog stays tied to the core's own progress: a stuck worker
// is this class's business (heartbeat timeout), never the watchdog's.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/v1/event.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/instance_status.hpp"
#include "daemon/core/status.hpp"
#include "daemon/vision/plan.hpp"

namespace cityedge::vision {

struct SupervisorOptions {
  std::string worker_path;  // the cityedge-vision executable
  std::chrono::milliseconds heartbeat_interval{1000};
  // No message for this long: the worker is killed and restarted.
  std::chrono::milliseconds heartbeat_timeout{10'000};
  // From spawn to the worker's Hello (loading its libraries, confining
  // itself), which a loaded box may take longer for than a heartbeat.
  std::chrono::milliseconds startup_timeout{30'000};
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60'000};
  // A worker that ran this long restarts after backoff_initial again.
  std::chrono::milliseconds stable_after{60'000};
  std::chrono::milliseconds request_timeout{10'000};
  // How long a stopping worker may take before SIGKILL.
  std::chrono::milliseconds stop_timeout{3000};
};

using WorkerStatus = VisionWorkerStatus;

// Where the cityedge-vision package installs the worker (compiled in from the
// install prefix).
extern const char* const kInstalledWorkerPath;
// Where the core looks for the worker, in order: beside the running program
// (a build tree); lib/cityedge/ of the prefix the running program is
// installed in (<dir>/../lib/cityedge/, so /usr/lib/cityedge/ for
// /usr/bin/cityedged, and the same layout unpacked or installed under any
// other root); kInstalledWorkerPath. The running program is /proc/self/exe,
// not argv[0], so a caller cannot point the core at another worker.
[[nodiscard]] std::vector<std::string> WorkerSearchPaths();
// The first of WorkerSearchPaths() that is executable; empty when none is.
[[nodiscard]] std::string FindWorkerExecutable();

class Worker;

// THREADING: every public method is thread-safe. Each worker has a thread of
// its own that spawns, reads and reaps it; EventSink::Emit is called there.
// OWNERSHIP: sink and clock outlive the supervisor.
class Supervisor {
 public:
  Supervisor(EventSink& sink, const clock::Clock& clock, SupervisorOptions options);
  ~Supervisor();  // StopAll()
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Makes the running workers match `plans`: a worker whose plan is unchanged
  // keeps running, one whose plan changed or vanished is stopped, and new ones
  // are started (in the background: this returns at once).
  void Apply(const std::vector<WorkerPlan>& plans);
  void StopAll();

  [[nodiscard]] std::vector<DriverInstanceStatus> Drivers() const;
  [[nodiscard]] std::vector<PipelineInstanceStatus> Pipelines() const;
  [[nodiscard]] std::vector<WorkerStatus> Workers() const;
  [[nodiscard]] bool RunsDriver(std::string_view instance) const;

  // Through the worker that runs `instance`. kNotFound when none does;
  // kUnavailable while that worker is down; kDeadlineExceeded when it does
  // not answer within request_timeout.
  [[nodiscard]] Result<std::string> Snapshot(const std::string& instance, std::uint32_t max_width);
  [[nodiscard]] Result<std::vector<v1::Event>> ReadNow(const std::string& instance);
  [[nodiscard]] Status RestartDriver(const std::string& instance);

 private:
  [[nodiscard]] std::shared_ptr<Worker> WorkerOf(std::string_view instance) const;

  EventSink& sink_;
  const clock::Clock& clock_;
  const SupervisorOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Worker>, std::less<>> workers_;
};

}  // namespace cityedge::vision
