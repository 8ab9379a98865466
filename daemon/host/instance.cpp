// SPDX-License-Identifier: Apache-2.0
#include "daemon/host/instance.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace cityedge::host {
namespace {

constexpr std::size_t kErrorBufferSize = 1024;
constexpr std::size_t kMinReadingSize =
    offsetof(ce_driver_reading, capture_mono_ns) + sizeof(std::int64_t);
constexpr std::size_t kMinFrameSize = offsetof(ce_driver_frame, release_user) + sizeof(void*);

std::string_view StateName(v1::ComponentState state) {
  switch (state) {
    case v1::COMPONENT_STATE_STARTING:
      return "starting";
    case v1::COMPONENT_STATE_ONLINE:
      return "online";
    case v1::COMPONENT_STATE_DEGRADED:
      return "degraded";
    case v1::COMPONENT_STATE_OFFLINE:
      return "offline";
    case v1::COMPONENT_STATE_STOPPED:
      return "stopped";
    default:
      return "unspecified";
  }
}

std::optional<PixelFormat> ToPixelFormat(ce_driver_pixel_format format) {
  switch (format) {
    case CE_DRIVER_PIXEL_BGR8:
      return PixelFormat::kBgr8;
    case CE_DRIVER_PIXEL_GRAY8:
      return PixelFormat::kGray8;
    case CE_DRIVER_PIXEL_Y16:
      return PixelFormat::kY16;
    default:
      return std::nullopt;
  }
}

}  // namespace

Instance::Instance(std::string id, std::shared_ptr<const DriverType> type, bool publish,
                   SettingTexts settings, Outputs outputs, const HostOptions& options)
    : id_(std::move(id)),
      type_(std::move(type)),
      publish_(publish),
      settings_(std::move(settings)),
      options_(options),
      outputs_(std::move(outputs)),
      created_future_(created_.get_future().share()) {}

void Instance::Run() {
  std::uint32_t failures = 0;
  bool ended = false;  // finished or failed for good: not a stop
  while (!stop_ && !ended) {
    SetState(v1::COMPONENT_STATE_STARTING, restarts_ == 0 ? "starting" : "restarting");
    const Attempt attempt = RunOnce();
    if (stop_) break;
    if (attempt.result == CE_DRIVER_OK) {
      SetState(v1::COMPONENT_STATE_STOPPED, "finished: the driver's source has ended");
      ended = true;
    } else if (attempt.result == CE_DRIVER_FATAL) {
      SetState(v1::COMPONENT_STATE_OFFLINE, attempt.message + " (not restarted: fix the config)");
      ended = true;
    } else {
      if (attempt.ran_for >= options_.stable_after) failures = 0;
      WaitBeforeRestart(attempt.message, Backoff(failures++));
    }
  }
  if (!ended) SetState(v1::COMPONENT_STATE_STOPPED, "stopped");
  MarkDone();
}

void Instance::WaitBeforeRestart(const std::string& why, std::chrono::milliseconds delay) {
  {
    std::lock_guard lock(status_mu_);
    ++restarts_;
  }
  SetState(v1::COMPONENT_STATE_OFFLINE, fmt::format("{}; restarting in {} ms", why, delay.count()));
  std::unique_lock lock(wake_mu_);
  wake_cv_.wait_for(lock, delay, [this] { return stop_.load(); });
}

ce_driver_instance* Instance::Create(std::string* error) {
  std::vector<ce_driver_setting_value> values;
  values.reserve(settings_.size());
  for (const auto& [key, value] : settings_) values.push_back({key.c_str(), value.c_str()});
  const std::string type_name(type_->name());
  const ce_driver_instance_config config{sizeof(ce_driver_instance_config), id_.c_str(),
                                         type_name.c_str(), values.data(), values.size()};
  char buffer[kErrorBufferSize] = {};
  ce_driver_instance* instance =
      type_->descriptor().on_create(&HostApi(), &context_, &config, buffer, sizeof(buffer));
  buffer[sizeof(buffer) - 1] = '\0';
  *error = buffer[0] != '\0' ? buffer : "the driver gave no reason";
  if (!created_reported_) {
    created_reported_ = true;
    created_.set_value(instance != nullptr
                           ? OkStatus()
                           : Status(MakeError(Code::kFailedPrecondition,
                                              "driver instance '{}' ({}) could not be created: {}",
                                              id_, type_name, *error)));
  }
  return instance;
}

Instance::Attempt Instance::RunOnce() {
  Attempt attempt;
  std::string error;
  ce_driver_instance* instance = Create(&error);
  if (instance == nullptr) {
    return {CE_DRIVER_FATAL, "create failed: " + error, {}};
  }
  {
    std::lock_guard lock(lifecycle_mu_);
    current_ = instance;
  }
  const auto started = std::chrono::steady_clock::now();
  last_activity_mono_ns_ = 0;
  silent_ = false;
  char buffer[kErrorBufferSize] = {};
  // A stop requested before this point is seen through should_stop.
  attempt.result = type_->descriptor().on_start(instance, buffer, sizeof(buffer));
  attempt.ran_for = std::chrono::steady_clock::now() - started;
  {
    std::lock_guard lock(lifecycle_mu_);
    current_ = nullptr;
  }
  type_->descriptor().on_destroy(instance);
  buffer[sizeof(buffer) - 1] = '\0';
  attempt.message = buffer[0] != '\0' ? buffer : "the driver failed without a reason";
  if (attempt.result != CE_DRIVER_OK && attempt.result != CE_DRIVER_FATAL &&
      attempt.result != CE_DRIVER_RETRY) {
    attempt.message = fmt::format("unknown result {} ({})", attempt.result, attempt.message);
    attempt.result = CE_DRIVER_RETRY;
  }
  return attempt;
}

std::chrono::milliseconds Instance::Backoff(std::uint32_t failures) const {
  // Doubling, capped; the shift is bounded so it cannot overflow.
  const auto factor = std::int64_t{1} << std::min<std::uint32_t>(failures, 20);
  const std::int64_t ms = options_.backoff_initial.count() * factor;
  return std::chrono::milliseconds(std::min<std::int64_t>(ms, options_.backoff_max.count()));
}

void Instance::RequestStop() {
  {
    std::lock_guard lock(wake_mu_);
    stop_ = true;
  }
  wake_cv_.notify_all();
  std::lock_guard lock(lifecycle_mu_);
  if (current_ != nullptr) type_->descriptor().on_stop(current_);
}

bool Instance::WaitDoneUntil(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(done_mu_);
  return done_cv_.wait_until(lock, deadline, [this] { return done_; });
}

void Instance::MarkDone() {
  {
    std::lock_guard lock(done_mu_);
    done_ = true;
  }
  done_cv_.notify_all();
}

void Instance::Abandon(const std::string& reason) {
  SetState(v1::COMPONENT_STATE_OFFLINE, reason);
  std::unique_lock lock(delivery_mu_);
  detached_ = true;
}

Status Instance::ReadNow() {
  std::lock_guard lock(lifecycle_mu_);
  if (current_ == nullptr) {
    return MakeError(Code::kUnavailable, "driver instance '{}' is not running", id_);
  }
  if (type_->descriptor().on_read_now == nullptr) {
    if (frames_.load() > 0) {
      return MakeError(Code::kUnimplemented,
                       "driver '{}' gives frames, not readings: `cityedge snapshot {}` shows one",
                       type_->name(), id_);
    }
    return MakeError(Code::kUnimplemented, "driver '{}' has no on-demand read", type_->name());
  }
  char buffer[kErrorBufferSize] = {};
  if (type_->descriptor().on_read_now(current_, buffer, sizeof(buffer)) != CE_DRIVER_OK) {
    buffer[sizeof(buffer) - 1] = '\0';
    return MakeError(Code::kUnavailable, "driver instance '{}': read failed: {}", id_, buffer);
  }
  return OkStatus();
}

void Instance::SetState(v1::ComponentState state, const std::string& reason) {
  std::lock_guard lock(status_mu_);
  if (state == state_ && reason == reason_) return;
  // A new reason for the same trouble (degraded, offline) is news; a new
  // wording of "online" is not.
  if (state == state_ && state == v1::COMPONENT_STATE_ONLINE) {
    reason_ = reason;
    return;
  }
  const v1::ComponentState previous = state_;
  state_ = state;
  reason_ = reason;
  fast_state_ = state;
  std::shared_lock delivery(delivery_mu_);
  if (detached_) return;
  const auto level =
      state == v1::COMPONENT_STATE_OFFLINE ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "driver {} ({}): {} -> {}: {}", id_, type_->name(), StateName(previous),
              StateName(state), reason);
  v1::Event event;
  event.set_source(id_);
  event.set_priority(v1::PRIORITY_CLASS_HEALTH);
  outputs_.clock->Stamp(event.mutable_capture_time());
  v1::DriverStatus* status = event.mutable_driver_status();
  status->set_instance(id_);
  status->set_type(std::string(type_->name()));
  status->set_state(state);
  status->set_previous_state(previous);
  status->set_reason(reason);
  status->set_restarts(restarts_);
  if (Status s = outputs_.sink->Emit(std::move(event)); !s) {
    spdlog::warn("driver {}: status event refused by the journal: {}", id_, s.error());
  }
}

void Instance::CheckSilence(std::int64_t now_mono_ns) {
  const std::uint32_t period_ms = expected_period_ms_;
  const int state = fast_state_;
  if (period_ms == 0 || silent_ ||
      (state != v1::COMPONENT_STATE_ONLINE && state != v1::COMPONENT_STATE_STARTING)) {
    return;
  }
  std::int64_t last = last_activity_mono_ns_;
  if (last == 0) {
    // No reading yet in this run: count from the first check after start.
    last_activity_mono_ns_.compare_exchange_strong(last, now_mono_ns);
    return;
  }
  const std::int64_t limit_ns =
      static_cast<std::int64_t>(options_.silent_periods) * period_ms * 1'000'000;
  if (now_mono_ns - last > limit_ns) {
    silent_ = true;
    SetState(v1::COMPONENT_STATE_DEGRADED,
             fmt::format("silent: no reading for {} expected periods of {} ms",
                         options_.silent_periods, period_ms));
  }
}

void Instance::NoteActivity() {
  const int state = fast_state_;
  if (state == v1::COMPONENT_STATE_STARTING) {
    SetState(v1::COMPONENT_STATE_ONLINE, "reading");
  } else if (silent_.exchange(false)) {
    SetState(v1::COMPONENT_STATE_ONLINE, "readings resumed");
  }
}

v1::Timestamp Instance::Stamp(std::int64_t wall_ns, std::int64_t mono_ns) const {
  v1::Timestamp ts = outputs_.clock->Now();
  if (wall_ns != 0) ts.set_wall_unix_ns(wall_ns);
  if (mono_ns != 0) ts.set_monotonic_ns(mono_ns);
  return ts;
}

ce_driver_result Instance::EmitReading(const ce_driver_reading* r) {
  if (r == nullptr || r->struct_size < kMinReadingSize || r->channel == nullptr ||
      r->channel[0] == '\0' || !std::isfinite(r->value) || r->quality < CE_DRIVER_QUALITY_GOOD ||
      r->quality > CE_DRIVER_QUALITY_BAD) {
    ++rejected_;
    return CE_DRIVER_INVALID;
  }
  {
    std::shared_lock lock(delivery_mu_);
    if (detached_) return CE_DRIVER_STOPPING;
    Deliver(*r);
  }
  NoteActivity();
  return CE_DRIVER_OK;
}

void Instance::Deliver(const ce_driver_reading& r) {
  const v1::Timestamp ts = Stamp(r.capture_wall_ns, r.capture_mono_ns);
  const std::string_view unit = r.unit != nullptr ? r.unit : "";
  const Sample sample{id_, r.channel, r.value, unit, static_cast<v1::Quality>(r.quality), &ts};
  for (SampleListener* listener : outputs_.samples) listener->OnSample(sample);
  if (publish_) {
    v1::Event event;
    event.set_source(id_);
    event.set_priority(v1::PRIORITY_CLASS_TELEMETRY);
    *event.mutable_capture_time() = ts;
    v1::Reading* reading = event.mutable_reading();
    reading->set_channel(r.channel);
    reading->set_value(r.value);
    reading->set_unit(std::string(unit));
    reading->set_quality(static_cast<v1::Quality>(r.quality));
    if (Status s = outputs_.sink->Emit(std::move(event)); !s) {
      // The sink accounts for refused events; log only the first of a run.
      if (sink_errors_++ == 0) spdlog::warn("driver {}: reading refused: {}", id_, s.error());
    }
  }
  ++readings_;
  last_activity_mono_ns_ = outputs_.clock->MonotonicNs();
}

ce_driver_result Instance::EmitFrame(const ce_driver_frame* f) {
  if (f == nullptr || f->struct_size < kMinFrameSize) {
    ++rejected_;
    return CE_DRIVER_INVALID;  // release cannot be read safely from a short struct
  }
  // Owning the release from here on means every return path honours it.
  const ce_driver_on_frame_release_fn release = f->release;
  void* const user = f->release_user;
  std::shared_ptr<const void> hold(f->data, [release, user](const void* data) {
    if (release != nullptr) release(user, data);
  });
  const std::optional<PixelFormat> format = ToPixelFormat(f->pixel_format);
  if (!format || f->data == nullptr || f->width == 0 || f->height == 0 ||
      f->stride < std::size_t{f->width} * BytesPerPixel(*format)) {
    ++rejected_;
    return CE_DRIVER_INVALID;
  }
  {
    std::shared_lock lock(delivery_mu_);
    if (detached_) return CE_DRIVER_STOPPING;
    Frame frame{id_,
                *format,
                f->width,
                f->height,
                f->stride,
                static_cast<const std::uint8_t*>(f->data),
                Stamp(f->capture_wall_ns, f->capture_mono_ns),
                std::move(hold)};
    for (FrameListener* listener : outputs_.frames) listener->OnFrame(frame);
    ++frames_;
    last_activity_mono_ns_ = outputs_.clock->MonotonicNs();
  }
  NoteActivity();
  return CE_DRIVER_OK;
}

void Instance::Log(ce_driver_log_level level, const char* message) {
  static constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::trace,
                                                          spdlog::level::debug, spdlog::level::info,
                                                          spdlog::level::warn, spdlog::level::err};
  const auto spd_level = level <= CE_DRIVER_LOG_ERROR ? kLevels[level] : spdlog::level::err;
  spdlog::log(spd_level, "driver {} ({}): {}", id_, type_->name(), message ? message : "");
}

void Instance::ReportHealth(ce_driver_health health, const char* reason) {
  const std::string text = reason != nullptr ? reason : "";
  switch (health) {
    case CE_DRIVER_HEALTH_ONLINE:
      silent_ = false;
      SetState(v1::COMPONENT_STATE_ONLINE, text.empty() ? "device reports online" : text);
      break;
    case CE_DRIVER_HEALTH_DEGRADED:
      SetState(v1::COMPONENT_STATE_DEGRADED, text);
      break;
    case CE_DRIVER_HEALTH_OFFLINE:
      SetState(v1::COMPONENT_STATE_OFFLINE, text);
      break;
    default:
      Log(CE_DRIVER_LOG_WARN, fmt::format("reported unknown health {}", health).c_str());
  }
}

bool Instance::SleepMs(std::uint32_t ms) {
  std::unique_lock lock(wake_mu_);
  return wake_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_.load(); });
}

DriverInstanceStatus Instance::Snapshot() const {
  DriverInstanceStatus s;
  s.id = id_;
  s.type = std::string(type_->name());
  {
    std::lock_guard lock(status_mu_);
    s.state = state_;
    s.reason = reason_;
    s.restarts = restarts_;
  }
  s.readings = readings_;
  s.frames = frames_;
  s.rejected = rejected_;
  s.sink_errors = sink_errors_;
  return s;
}

namespace {

// The C callbacks. No exception may unwind into driver code, so each catches.
template <typename R, typename Fn>
R Guarded(ce_host_context* ctx, Fn&& fn, R on_error) {
  if (ctx == nullptr || ctx->instance == nullptr) return on_error;
  try {
    return fn(*ctx->instance);
  } catch (const std::exception& e) {
    spdlog::error("driver host callback failed: {}", e.what());
  } catch (...) {
    spdlog::error("driver host callback failed with a non-standard exception");
  }
  return on_error;
}

ce_driver_result EmitReadingCallback(ce_host_context* ctx, const ce_driver_reading* reading) {
  return Guarded(
      ctx, [&](Instance& i) { return i.EmitReading(reading); }, CE_DRIVER_INVALID);
}
ce_driver_result EmitFrameCallback(ce_host_context* ctx, const ce_driver_frame* frame) {
  return Guarded(
      ctx, [&](Instance& i) { return i.EmitFrame(frame); }, CE_DRIVER_INVALID);
}
void LogCallback(ce_host_context* ctx, ce_driver_log_level level, const char* message) {
  Guarded(
      ctx,
      [&](Instance& i) {
        i.Log(level, message);
        return 0;
      },
      0);
}
void ReportHealthCallback(ce_host_context* ctx, ce_driver_health state, const char* reason) {
  Guarded(
      ctx,
      [&](Instance& i) {
        i.ReportHealth(state, reason);
        return 0;
      },
      0);
}
int32_t ShouldStopCallback(ce_host_context* ctx) {
  return Guarded(
      ctx, [](Instance& i) { return i.ShouldStop() ? 1 : 0; }, 1);
}
int32_t SleepMsCallback(ce_host_context* ctx, uint32_t ms) {
  return Guarded(
      ctx, [&](Instance& i) { return i.SleepMs(ms) ? 1 : 0; }, 1);
}
void SetExpectedPeriodCallback(ce_host_context* ctx, uint32_t period_ms) {
  Guarded(
      ctx,
      [&](Instance& i) {
        i.SetExpectedPeriod(period_ms);
        return 0;
      },
      0);
}

}  // namespace

const ce_host_api& HostApi() {
  static constexpr ce_host_api kApi{
      sizeof(ce_host_api),        CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR,
      &EmitReadingCallback,       &EmitFrameCallback,  &LogCallback,
      &ReportHealthCallback,      &ShouldStopCallback, &SleepMsCallback,
      &SetExpectedPeriodCallback,
  };
  return kApi;
}

}  // namespace cityedge::host
