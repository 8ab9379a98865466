// SPDX-License-Identifier: Apache-2.0
// Runs driver instances: one thread each, restart with exponential backoff,
// status changes as DriverStatus events, silence detection, bounded stop.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cityedge/v1/config.pb.h"
#include "cityedge/v1/event.pb.h"
#include "daemon/core/clock.hpp"
#include "daemon/core/event_sink.hpp"
#include "daemon/core/instance_status.hpp"
#include "daemon/core/status.hpp"
#include "daemon/host/driver_registry.hpp"
#include "daemon/host/listeners.hpp"

namespace cityedge::host {

class Instance;

struct HostOptions {
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60'000};
  // A run that lasted this long resets the backoff to backoff_initial.
  std::chrono::milliseconds stable_after{60'000};
  // Longest wait for a driver to return after stop; never above 1 s.
  std::chrono::milliseconds stop_timeout{1000};
  // Degraded "silent" after this many expected periods without a reading.
  std::uint32_t silent_periods = 3;
  std::chrono::milliseconds monitor_interval{250};
  // How long Start waits for a `required: true` instance to be online.
  std::chrono::milliseconds create_timeout{5000};
};

// OWNERSHIP: registry, sink, clock and listeners must outlive the host. An
// instance abandoned after a stop timeout never touches them again.
// THREADING: public methods are thread-safe. Listeners are called on driver
// threads (see listeners.hpp); EventSink::Emit on driver threads and the
// host's monitor thread.
class DriverHost {
 public:
  DriverHost(const DriverRegistry& registry, EventSink& sink, const clock::Clock& clock,
             HostOptions options = {});
  ~DriverHost();  // StopAll()
  DriverHost(const DriverHost&) = delete;
  DriverHost& operator=(const DriverHost&) = delete;

  // Register before starting instances; instances started later see them.
  void AddSampleListener(SampleListener* listener);
  void AddFrameListener(FrameListener* listener);

  // Checks every entry of config.drivers() (known type, unique id, settings
  // against the schema; all problems in one error) and starts the enabled
  // ones. Fails, with nothing left running, when a check fails or an instance
  // marked required is not online (created and delivering) within
  // create_timeout.
  [[nodiscard]] Status Start(const v1::Config& config);
  [[nodiscard]] Status StartInstance(const v1::DriverInstance& instance);
  // Stops one instance, waiting at most stop_timeout; an instance that does
  // not return in time is reported offline and abandoned (kDeadlineExceeded).
  [[nodiscard]] Status StopInstance(std::string_view id);
  [[nodiscard]] Status RestartInstance(std::string_view id);
  // Stops every instance in parallel: waits at most stop_timeout in total.
  void StopAll();
  // Asks the instance for one reading now (driver's on_read_now).
  [[nodiscard]] Status ReadNow(std::string_view id);

  [[nodiscard]] std::vector<DriverInstanceStatus> Statuses() const;
  [[nodiscard]] Result<DriverInstanceStatus> StatusOf(std::string_view id) const;

 private:
  struct Running {
    v1::DriverInstance config;
    std::shared_ptr<Instance> instance;
    std::thread thread;
  };

  [[nodiscard]] Result<std::shared_ptr<Instance>> Prepare(const v1::DriverInstance& config) const;
  [[nodiscard]] Status Launch(const v1::DriverInstance& config, std::shared_ptr<Instance> instance);
  [[nodiscard]] Status WaitOnline(std::string_view id,
                                  std::chrono::steady_clock::time_point deadline) const;
  // Waits until `deadline`; joins or abandons. False when abandoned.
  bool Finish(Running& running, std::chrono::steady_clock::time_point deadline);
  void MonitorLoop(std::stop_token stop);

  const DriverRegistry& registry_;
  EventSink& sink_;
  const clock::Clock& clock_;
  const HostOptions options_;

  mutable std::mutex mu_;
  std::vector<SampleListener*> sample_listeners_;
  std::vector<FrameListener*> frame_listeners_;
  std::map<std::string, Running, std::less<>> running_;
  std::jthread monitor_;
};

}  // namespace cityedge::host
