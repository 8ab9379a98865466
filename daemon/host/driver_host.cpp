// SPDX-License-Identifier: Apache-2.0
#include "daemon/host/driver_host.hpp"

#include <algorithm>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "daemon/host/instance.hpp"
#include "daemon/host/settings_bridge.hpp"

namespace cityedge::host {
namespace {

constexpr std::chrono::milliseconds kMaxStopWait{1000};

HostOptions Clamp(HostOptions options) {
  options.stop_timeout = std::min(options.stop_timeout, kMaxStopWait);
  options.backoff_initial = std::max(options.backoff_initial, std::chrono::milliseconds(1));
  options.backoff_max = std::max(options.backoff_max, options.backoff_initial);
  return options;
}

}  // namespace

DriverHost::DriverHost(const DriverRegistry& registry, EventSink& sink, const clock::Clock& clock,
                       HostOptions options)
    : registry_(registry), sink_(sink), clock_(clock), options_(Clamp(options)) {
  monitor_ = std::jthread([this](std::stop_token stop) { MonitorLoop(stop); });
}

DriverHost::~DriverHost() {
  StopAll();
  monitor_.request_stop();
  if (monitor_.joinable()) monitor_.join();
}

void DriverHost::AddSampleListener(SampleListener* listener) {
  std::lock_guard lock(mu_);
  sample_listeners_.push_back(listener);
}

void DriverHost::AddFrameListener(FrameListener* listener) {
  std::lock_guard lock(mu_);
  frame_listeners_.push_back(listener);
}

Result<std::shared_ptr<Instance>> DriverHost::Prepare(const v1::DriverInstance& config) const {
  const std::shared_ptr<const DriverType> type = registry_.Find(config.type());
  if (type == nullptr) {
    return MakeError(Code::kNotFound, "driver '{}': unknown type '{}'; known types: {}",
                     config.id(), config.type(), fmt::join(registry_.Names(), ", "));
  }
  Result<SettingTexts> settings = CanonicalSettings(type->schema(), config.settings());
  if (!settings) {
    return std::unexpected(settings.error().Wrap(
        fmt::format("driver '{}' ({}) settings", config.id(), config.type())));
  }
  Outputs outputs{&sink_, &clock_, {}, {}};
  {
    std::lock_guard lock(mu_);
    outputs.samples = sample_listeners_;
    outputs.frames = frame_listeners_;
  }
  return std::make_shared<Instance>(config.id(), type, config.publish(), std::move(*settings),
                                    std::move(outputs), options_);
}

Status DriverHost::Launch(const v1::DriverInstance& config, std::shared_ptr<Instance> instance) {
  std::lock_guard lock(mu_);
  if (running_.contains(config.id())) {
    return MakeError(Code::kAlreadyExists, "driver instance '{}' is already running", config.id());
  }
  // The thread owns a reference, so an abandoned thread keeps its instance.
  std::thread thread([instance] { instance->Run(); });
  running_.emplace(config.id(), Running{config, std::move(instance), std::move(thread)});
  return OkStatus();
}

Status DriverHost::StartInstance(const v1::DriverInstance& config) {
  Result<std::shared_ptr<Instance>> instance = Prepare(config);
  if (!instance) return std::unexpected(instance.error());
  return Launch(config, std::move(*instance));
}

Status DriverHost::Start(const v1::Config& config) {
  std::vector<std::string> problems;
  std::set<std::string> ids;
  std::vector<std::pair<const v1::DriverInstance*, std::shared_ptr<Instance>>> ready;
  for (const v1::DriverInstance& driver : config.drivers()) {
    if (!ids.insert(driver.id()).second) {
      problems.push_back(fmt::format("driver id '{}' is used twice", driver.id()));
      continue;
    }
    Result<std::shared_ptr<Instance>> instance = Prepare(driver);
    if (!instance) {
      problems.push_back(instance.error().message());
    } else if (driver.enabled()) {
      ready.emplace_back(&driver, std::move(*instance));
    }
  }
  if (!problems.empty()) {
    return MakeError(Code::kInvalidArgument, "{}", fmt::join(problems, "\n"));
  }
  for (auto& [driver, instance] : ready) {
    const std::shared_future<Status> created = instance->Created();
    Status launched = Launch(*driver, std::move(instance));
    if (launched && driver->required()) {
      const auto deadline = std::chrono::steady_clock::now() + options_.create_timeout;
      launched = created.wait_until(deadline) == std::future_status::ready
                     ? created.get()
                     : MakeError(Code::kDeadlineExceeded,
                                 "required driver '{}' was not created within {} ms", driver->id(),
                                 options_.create_timeout.count());
      if (launched) launched = WaitOnline(driver->id(), deadline);
    }
    if (!launched) {
      StopAll();
      return launched;
    }
  }
  return OkStatus();
}

Status DriverHost::WaitOnline(std::string_view id,
                              std::chrono::steady_clock::time_point deadline) const {
  // A required driver has started when it delivers: created is not enough, a
  // Modbus driver is created before its first connection attempt.
  std::string reason;
  while (true) {
    auto status = StatusOf(id);
    if (!status) return std::unexpected(status.error());
    if (status->state == v1::COMPONENT_STATE_ONLINE) return OkStatus();
    reason = status->reason;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return MakeError(Code::kUnavailable, "required driver '{}' is not online after {} ms{}{}", id,
                   options_.create_timeout.count(), reason.empty() ? "" : ": ", reason);
}

bool DriverHost::Finish(Running& running, std::chrono::steady_clock::time_point deadline) {
  if (running.instance->WaitDoneUntil(deadline)) {
    running.thread.join();
    return true;
  }
  // Waiting longer would let one driver hold up shutdown; the thread keeps
  // its own references, and the instance no longer touches the outputs.
  running.instance->Abandon(
      fmt::format("abandoned: did not stop within {} ms; its thread is left running detached",
                  options_.stop_timeout.count()));
  running.thread.detach();
  return false;
}

Status DriverHost::StopInstance(std::string_view id) {
  Running running;
  {
    std::lock_guard lock(mu_);
    const auto it = running_.find(id);
    if (it == running_.end()) {
      return MakeError(Code::kNotFound, "no running driver instance '{}'", id);
    }
    running = std::move(it->second);
    running_.erase(it);
  }
  running.instance->RequestStop();
  if (!Finish(running, std::chrono::steady_clock::now() + options_.stop_timeout)) {
    return MakeError(Code::kDeadlineExceeded,
                     "driver instance '{}' did not stop within {} ms and was abandoned", id,
                     options_.stop_timeout.count());
  }
  return OkStatus();
}

Status DriverHost::RestartInstance(std::string_view id) {
  v1::DriverInstance config;
  {
    std::lock_guard lock(mu_);
    const auto it = running_.find(id);
    if (it == running_.end()) {
      return MakeError(Code::kNotFound, "no running driver instance '{}'", id);
    }
    config = it->second.config;
  }
  (void)StopInstance(id);  // an abandoned instance is reported; start afresh anyway
  return StartInstance(config);
}

void DriverHost::StopAll() {
  std::map<std::string, Running, std::less<>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(running_);
  }
  for (auto& [id, running] : all) running.instance->RequestStop();
  const auto deadline = std::chrono::steady_clock::now() + options_.stop_timeout;
  for (auto& [id, running] : all) Finish(running, deadline);
}

Status DriverHost::ReadNow(std::string_view id) {
  std::shared_ptr<Instance> instance;
  {
    std::lock_guard lock(mu_);
    const auto it = running_.find(id);
    if (it == running_.end()) {
      return MakeError(Code::kNotFound, "no running driver instance '{}'", id);
    }
    instance = it->second.instance;
  }
  return instance->ReadNow();
}

std::vector<DriverInstanceStatus> DriverHost::Statuses() const {
  std::vector<DriverInstanceStatus> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, running] : running_) out.push_back(running.instance->Snapshot());
  return out;
}

Result<DriverInstanceStatus> DriverHost::StatusOf(std::string_view id) const {
  std::lock_guard lock(mu_);
  const auto it = running_.find(id);
  if (it == running_.end()) {
    return MakeError(Code::kNotFound, "no running driver instance '{}'", id);
  }
  return it->second.instance->Snapshot();
}

void DriverHost::MonitorLoop(std::stop_token stop) {
  std::mutex sleep_mu;
  std::condition_variable_any sleep_cv;
  while (!stop.stop_requested()) {
    std::vector<std::shared_ptr<Instance>> instances;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, running] : running_) instances.push_back(running.instance);
    }
    const std::int64_t now = clock_.MonotonicNs();
    for (const auto& instance : instances) instance->CheckSilence(now);
    std::unique_lock lock(sleep_mu);
    sleep_cv.wait_for(lock, stop, options_.monitor_interval, [] { return false; });
  }
}

}  // namespace cityedge::host
