// SPDX-License-Identifier: Apache-2.0
#include "tests/fakes/driver_host.hpp"

namespace cityedge::fakes {

FakeDriverHost::FakeDriverHost() {
  api_.struct_size = sizeof(api_);
  api_.abi_major = CE_DRIVER_ABI_MAJOR;
  api_.abi_minor = CE_DRIVER_ABI_MINOR;
  api_.emit_reading = &EmitReading;
  api_.emit_frame = &EmitFrame;
  api_.log = &Log;
  api_.report_health = &ReportHealth;
  api_.should_stop = &ShouldStop;
  api_.sleep_ms = &SleepMs;
  api_.set_expected_period = [](ce_host_context*, std::uint32_t) {};
}

void FakeDriverHost::RequestStop() {
  stop_ = true;
  changed_.notify_all();
}

bool FakeDriverHost::WaitFor(const std::function<bool(const FakeDriverHost&)>& done,
                             std::chrono::seconds limit) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, limit, [&] { return done(*this); });
}

std::vector<RecordedReading> FakeDriverHost::readings() const {
  std::lock_guard lock(mu_);
  return readings_;
}

std::vector<RecordedFrame> FakeDriverHost::frames() const {
  std::lock_guard lock(mu_);
  return frames_;
}

std::vector<RecordedHealth> FakeDriverHost::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

std::vector<std::string> FakeDriverHost::logs() const {
  std::lock_guard lock(mu_);
  return logs_;
}

std::size_t FakeDriverHost::CountChannel(const std::string& channel) const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& r : readings_) n += r.channel == channel ? 1 : 0;
  return n;
}

ce_driver_health FakeDriverHost::LastState() const {
  std::lock_guard lock(mu_);
  return health_.empty() ? 0 : health_.back().state;
}

template <typename Fn>
void FakeDriverHost::Record(Fn&& fn) {
  {
    std::lock_guard lock(mu_);
    fn();
  }
  changed_.notify_all();
}

ce_driver_result FakeDriverHost::EmitReading(ce_host_context* c, const ce_driver_reading* r) {
  Self(c)->Record([&] {
    Self(c)->readings_.push_back({r->channel, r->value, r->unit ? r->unit : "", r->quality});
  });
  return CE_DRIVER_OK;
}

ce_driver_result FakeDriverHost::EmitFrame(ce_host_context* c, const ce_driver_frame* f) {
  const std::size_t pixel_bytes = f->pixel_format == CE_DRIVER_PIXEL_Y16    ? 2
                                  : f->pixel_format == CE_DRIVER_PIXEL_BGR8 ? 3
                                                                            : 1;
  RecordedFrame frame{f->pixel_format, f->width, f->height, {}};
  const auto* data = static_cast<const std::uint8_t*>(f->data);
  for (std::uint32_t y = 0; y < f->height; ++y) {
    const std::uint8_t* row = data + static_cast<std::size_t>(y) * f->stride;
    frame.rows.insert(frame.rows.end(), row, row + f->width * pixel_bytes);
  }
  if (f->release != nullptr) f->release(f->release_user, f->data);
  Self(c)->Record([&] { Self(c)->frames_.push_back(std::move(frame)); });
  return CE_DRIVER_OK;
}

void FakeDriverHost::Log(ce_host_context* c, ce_driver_log_level, const char* message) {
  Self(c)->Record([&] { Self(c)->logs_.emplace_back(message); });
}

void FakeDriverHost::ReportHealth(ce_host_context* c, ce_driver_health state, const char* reason) {
  Self(c)->Record([&] { Self(c)->health_.push_back({state, reason ? reason : ""}); });
}

std::int32_t FakeDriverHost::ShouldStop(ce_host_context* c) { return Self(c)->stop_.load(); }

std::int32_t FakeDriverHost::SleepMs(ce_host_context* c, std::uint32_t ms) {
  FakeDriverHost* self = Self(c);
  std::unique_lock lock(self->mu_);
  return self->changed_.wait_for(lock, std::chrono::milliseconds(ms),
                                 [&] { return self->stop_.load(); })
             ? 1
             : 0;
}

RunningInstance::RunningInstance(const ce_driver_descriptor* descriptor, FakeDriverHost& host,
                                 std::vector<std::pair<std::string, std::string>> settings)
    : descriptor_(descriptor), host_(host), settings_(std::move(settings)) {}

RunningInstance::~RunningInstance() {
  Stop();
  if (instance_ != nullptr) descriptor_->on_destroy(instance_);
}

std::string RunningInstance::Create() {
  std::vector<ce_driver_setting_value> values;
  for (const auto& [k, v] : settings_) values.push_back({k.c_str(), v.c_str()});
  const ce_driver_instance_config config{sizeof(config), "test", descriptor_->name, values.data(),
                                         values.size()};
  char error[512] = "";
  instance_ = descriptor_->on_create(host_.api(), host_.ctx(), &config, error, sizeof(error));
  return instance_ == nullptr ? std::string(error) : std::string();
}

void RunningInstance::Start() {
  thread_ = std::thread([this] {
    char error[512] = "";
    result_ = descriptor_->on_start(instance_, error, sizeof(error));
    error_ = error;
  });
}

std::string RunningInstance::ReadNow() {
  if (descriptor_->on_read_now == nullptr) return "no on_read_now hook";
  char error[512] = "";
  return descriptor_->on_read_now(instance_, error, sizeof(error)) == CE_DRIVER_OK
             ? std::string()
             : std::string(error);
}

ce_driver_result RunningInstance::Stop() {
  if (thread_.joinable()) {
    host_.RequestStop();
    descriptor_->on_stop(instance_);
    thread_.join();
  }
  return result_;
}

}  // namespace cityedge::fakes
