// SPDX-License-Identifier: Apache-2.0
// Header-only C++ helper over the driver ABI (driver_abi.h): a driver is a
// small class, and CITYEDGE_DRIVER(name, Class) produces the descriptor and the
// entry function. Exceptions thrown by driver code are caught here, at the ABI
// boundary, and become error text; nothing C++ crosses into the host.
//
// A driver class provides:
//
//   class MyDriver : public cityedge::sdk::Driver {
//    public:
//     static constexpr const char* kName = "mydriver";  // == folder == type:
//     static constexpr const char* kVersion = "1.0.0";
//     static constexpr const char* kDescription = "One line for --describe";
//     static std::span<const ce_driver_setting_spec> Schema();
//     // A list of tables (a register map, say) declares the keys of each table:
//     //   sdk::Setting("registers", CE_DRIVER_SETTING_TABLE_LIST, "...").Fields(kRegisterFields)
//     // and Create reads it with settings.GetTables("registers").
//     static sdk::Result<std::unique_ptr<MyDriver>> Create(const sdk::Settings& settings,
//                                                          sdk::Host host);
//     sdk::Status Start() override;  // optional: open the device
//     sdk::Status Run() override;    // loop until host().ShouldStop()
//     void Stop() override;          // optional: wake a blocking call
//     // optional, with `static constexpr bool kSupportsReadNow = true;`:
//     sdk::Status ReadNow() override;  // one reading now ("cityedge read")
//     // optional: `static constexpr bool kEmitsFrames = true;` for a camera-like
//     // driver; the daemon then runs it in a vision worker (CE_DRIVER_FLAG_FRAMES)
//   };
//   CITYEDGE_DRIVER(mydriver, MyDriver)
//
// The macro exports `ce_driver_entry_<name>` (built-in drivers, linked into the
// daemon) or, when compiled with CITYEDGE_DRIVER_EXTERNAL defined, the
// `ce_driver_entry` an external .so must export. The CMake helpers
// cityedge_add_builtin_driver / cityedge_add_external_driver set this up.
#pragma once

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <expected>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cityedge/driver_abi.h"

namespace cityedge::sdk {

// A failure with the ABI result it maps to (CE_DRIVER_RETRY or CE_DRIVER_FATAL).
struct Error {
  ce_driver_result code = CE_DRIVER_RETRY;
  std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

// The device or link failed; the host restarts the instance after a backoff.
[[nodiscard]] inline std::unexpected<Error> Retry(std::string message) {
  return std::unexpected<Error>(Error{CE_DRIVER_RETRY, std::move(message)});
}
// Cannot work without a config change; the host does not restart.
[[nodiscard]] inline std::unexpected<Error> Fatal(std::string message) {
  return std::unexpected<Error>(Error{CE_DRIVER_FATAL, std::move(message)});
}

// Thrown by Settings getters when a key is missing or its text does not parse.
// The host validated the settings against the schema first, so this means the
// schema and the code disagree; on_create turns it into an error.
class SettingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Typed access to an instance's settings (canonical text from the host).
// OWNERSHIP: copies the key/value pairs; safe to keep after Create returns.
class Settings {
 public:
  Settings() = default;
  explicit Settings(const ce_driver_instance_config& config) {
    for (std::size_t i = 0; i < config.settings_count; ++i) {
      const ce_driver_setting_value& kv = config.settings[i];
      if (kv.key != nullptr) values_.emplace_back(kv.key, kv.value ? kv.value : "");
    }
  }
  explicit Settings(std::vector<std::pair<std::string, std::string>> values)
      : values_(std::move(values)) {}

  [[nodiscard]] bool Has(std::string_view key) const { return Find(key) != nullptr; }

  [[nodiscard]] std::string GetString(std::string_view key) const { return Text(key); }
  [[nodiscard]] std::string GetString(std::string_view key, std::string fallback) const {
    const std::string* v = Find(key);
    return v ? *v : std::move(fallback);
  }
  [[nodiscard]] std::int64_t GetInt(std::string_view key) const { return ParseInt(key, Text(key)); }
  [[nodiscard]] std::int64_t GetInt(std::string_view key, std::int64_t fallback) const {
    return Has(key) ? GetInt(key) : fallback;
  }
  // Durations arrive as integer milliseconds, sizes as integer bytes.
  [[nodiscard]] std::int64_t GetDurationMs(std::string_view key) const { return GetInt(key); }
  [[nodiscard]] std::int64_t GetSizeBytes(std::string_view key) const { return GetInt(key); }
  [[nodiscard]] double GetDouble(std::string_view key) const { return ParseDouble(key, Text(key)); }
  [[nodiscard]] double GetDouble(std::string_view key, double fallback) const {
    return Has(key) ? GetDouble(key) : fallback;
  }
  [[nodiscard]] bool GetBool(std::string_view key) const {
    const std::string& text = Text(key);
    if (text == "true") return true;
    if (text == "false") return false;
    throw SettingError("setting '" + std::string(key) + "' is not true/false: '" + text + "'");
  }
  [[nodiscard]] bool GetBool(std::string_view key, bool fallback) const {
    return Has(key) ? GetBool(key) : fallback;
  }
  // The tables of a CE_DRIVER_SETTING_TABLE_LIST setting, in config order,
  // each with its own fields (defaults filled in by the host). Empty when the
  // setting is absent.
  [[nodiscard]] std::vector<Settings> GetTables(std::string_view key) const {
    std::vector<Settings> tables;
    if (!Has(key)) return tables;
    const std::int64_t count = GetInt(key);
    for (std::int64_t i = 0; i < count; ++i) {
      const std::string prefix = std::string(key) + "[" + std::to_string(i) + "].";
      std::vector<std::pair<std::string, std::string>> fields;
      for (const auto& [k, v] : values_) {
        if (k.size() > prefix.size() && k.compare(0, prefix.size(), prefix) == 0) {
          fields.emplace_back(k.substr(prefix.size()), v);
        }
      }
      tables.emplace_back(std::move(fields));
    }
    return tables;
  }
  // Items of a list setting (the host joins them with '\n').
  [[nodiscard]] std::vector<std::string> GetList(std::string_view key) const {
    std::vector<std::string> items;
    const std::string* text = Find(key);
    if (text == nullptr || text->empty()) return items;
    std::size_t start = 0;
    while (true) {
      const std::size_t end = text->find('\n', start);
      items.push_back(text->substr(start, end == std::string::npos ? end : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return items;
  }

 private:
  [[nodiscard]] const std::string* Find(std::string_view key) const {
    for (const auto& [k, v] : values_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  [[nodiscard]] const std::string& Text(std::string_view key) const {
    const std::string* v = Find(key);
    if (v == nullptr) throw SettingError("setting '" + std::string(key) + "' has no value");
    return *v;
  }
  static std::int64_t ParseInt(std::string_view key, const std::string& text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      throw SettingError("setting '" + std::string(key) + "' is not an integer: '" + text + "'");
    }
    return value;
  }
  static double ParseDouble(std::string_view key, const std::string& text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
        !std::isfinite(value)) {
      throw SettingError("setting '" + std::string(key) + "' is not a number: '" + text + "'");
    }
    return value;
  }

  std::vector<std::pair<std::string, std::string>> values_;
};

// What a reading carries; times of 0 mean "now" (the host stamps them).
struct Reading {
  const char* channel = "";
  double value = 0;
  const char* unit = "";
  ce_driver_quality quality = CE_DRIVER_QUALITY_GOOD;
  std::int64_t capture_wall_ns = 0;
  std::int64_t capture_mono_ns = 0;
};

// The host's callbacks for one instance.
// OWNERSHIP: a non-owning view; valid from Create until the driver object is
// destroyed. THREADING: every method may be called from any thread.
class Host {
 public:
  Host() = default;
  Host(const ce_host_api* api, ce_host_context* ctx) : api_(api), ctx_(ctx) {}

  ce_driver_result Emit(const Reading& r) const {
    const ce_driver_reading reading{
        sizeof(ce_driver_reading), r.channel,        r.value, r.unit, r.quality,
        r.capture_wall_ns,         r.capture_mono_ns};
    return api_->emit_reading(ctx_, &reading);
  }
  ce_driver_result Emit(const char* channel, double value, const char* unit,
                        ce_driver_quality quality = CE_DRIVER_QUALITY_GOOD) const {
    return Emit(Reading{channel, value, unit, quality, 0, 0});
  }
  // See ce_driver_frame for who owns the pixels and when release is called.
  ce_driver_result EmitFrame(ce_driver_frame frame) const {
    frame.struct_size = sizeof(ce_driver_frame);
    return api_->emit_frame(ctx_, &frame);
  }
  void Log(ce_driver_log_level level, const std::string& message) const {
    api_->log(ctx_, level, message.c_str());
  }
  void Debug(const std::string& message) const { Log(CE_DRIVER_LOG_DEBUG, message); }
  void Info(const std::string& message) const { Log(CE_DRIVER_LOG_INFO, message); }
  void Warn(const std::string& message) const { Log(CE_DRIVER_LOG_WARN, message); }
  void Error(const std::string& message) const { Log(CE_DRIVER_LOG_ERROR, message); }
  void ReportHealth(ce_driver_health state, const std::string& reason = {}) const {
    api_->report_health(ctx_, state, reason.c_str());
  }
  [[nodiscard]] bool ShouldStop() const { return api_->should_stop(ctx_) != 0; }
  // Returns true when woken early because stop was requested.
  [[nodiscard]] bool SleepMs(std::uint32_t ms) const { return api_->sleep_ms(ctx_, ms) != 0; }
  void SetExpectedPeriodMs(std::uint32_t ms) const { api_->set_expected_period(ctx_, ms); }

 private:
  const ce_host_api* api_ = nullptr;
  ce_host_context* ctx_ = nullptr;
};

// A calibration read asked for by ReadNow (host control thread) and honoured by
// a polling loop (instance thread), whose wait between rounds ends early:
//
//   sdk::Status ReadNow() override { read_request_.Ask(); return {}; }
//   ...in Run: PollOnce(); if (read_request_.Wait(host(), interval_ms)) break;
//
// The wait sleeps in short slices, so a read is answered within one slice.
class ReadRequest {
 public:
  static constexpr std::uint32_t kSliceMs = 100;

  void Ask() { asked_.store(true, std::memory_order_release); }

  // True once per Ask: for a loop that answers a read its own way.
  [[nodiscard]] bool Take() { return asked_.exchange(false, std::memory_order_acq_rel); }

  // Sleeps up to `ms`; returns early once a read is asked for, and takes the
  // request. Returns true when stop was requested, like Host::SleepMs.
  [[nodiscard]] bool Wait(const Host& host, std::uint32_t ms) {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point until = Clock::now() + std::chrono::milliseconds(ms);
    while (!Take()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) return host.ShouldStop();
      const auto slice = static_cast<std::uint32_t>(left < kSliceMs ? left : kSliceMs);
      if (host.SleepMs(slice)) return true;
    }
    return host.ShouldStop();
  }

 private:
  std::atomic<bool> asked_{false};
};

// Base class of a driver. See the file comment for the static members a
// driver adds. THREADING: Start and Run on the instance thread, Stop and
// ReadNow on a host control thread while Run runs.
class Driver {
 public:
  explicit Driver(Host host) : host_(host) {}
  virtual ~Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Opens the device. A failure is retried with backoff (Retry) or not (Fatal).
  virtual Status Start() { return {}; }
  // The acquisition loop: return {} once host().ShouldStop() (within 1 s),
  // or an error when the device fails.
  virtual Status Run() = 0;
  // Wakes a blocking call in Run. Must not block; the stop flag is already set.
  virtual void Stop() {}
  // Calibration read; only wired when the class sets kSupportsReadNow = true.
  virtual Status ReadNow() { return Fatal("this driver has no on-demand read"); }

  [[nodiscard]] const Host& host() const { return host_; }

 private:
  Host host_;
};

// Builds a ce_driver_setting_spec in a constant expression:
//   sdk::Setting("path", CE_DRIVER_SETTING_STRING, "File to replay").Required()
class Setting {
 public:
  constexpr Setting(const char* key, ce_driver_setting_type type, const char* description)
      : spec_{key, type, 0, nullptr, 0, 0, 0.0, 0.0, nullptr, nullptr, description, nullptr, 0, 0} {
  }
  constexpr Setting& Required() {
    spec_.required = 1;
    return *this;
  }
  constexpr Setting& Default(const char* text) {
    spec_.default_text = text;
    return *this;
  }
  constexpr Setting& Min(double v) {
    spec_.has_min = 1;
    spec_.min = v;
    return *this;
  }
  constexpr Setting& Max(double v) {
    spec_.has_max = 1;
    spec_.max = v;
    return *this;
  }
  // `values` is a NULL-terminated array with static storage.
  constexpr Setting& Allowed(const char* const* values) {
    spec_.allowed = values;
    return *this;
  }
  constexpr Setting& Unit(const char* unit) {
    spec_.unit = unit;
    return *this;
  }
  // The keys of each table of a CE_DRIVER_SETTING_TABLE_LIST; `fields` has
  // static storage.
  constexpr Setting& Fields(std::span<const ce_driver_setting_spec> fields) {
    spec_.fields = fields.data();
    spec_.fields_count = fields.size();
    return *this;
  }
  // Also accept the deprecated one-line "field=value ..." form of a table.
  constexpr Setting& AcceptsLines() {
    spec_.flags |= CE_DRIVER_SETTING_FLAG_LINE_ITEMS;
    return *this;
  }
  constexpr operator ce_driver_setting_spec() const { return spec_; }  // NOLINT

 private:
  ce_driver_setting_spec spec_;
};

namespace internal {

inline void WriteError(char* buffer, std::size_t size, std::string_view text) {
  if (buffer == nullptr || size == 0) return;
  const std::size_t n = text.size() < size - 1 ? text.size() : size - 1;
  std::memcpy(buffer, text.data(), n);
  buffer[n] = '\0';
}

inline ce_driver_result Report(const Status& status, char* error, std::size_t error_size) {
  if (status) return CE_DRIVER_OK;
  WriteError(error, error_size, status.error().message);
  return status.error().code == CE_DRIVER_FATAL ? CE_DRIVER_FATAL : CE_DRIVER_RETRY;
}

// Runs `fn` and turns any exception into a failure of kind `code`.
template <typename Fn>
Status Guard(ce_driver_result code, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return std::unexpected<Error>(Error{code, std::string("unexpected error: ") + e.what()});
  } catch (...) {
    return std::unexpected<Error>(Error{code, "unexpected non-standard exception"});
  }
}

template <typename D>
struct Hooks {
  struct Box {
    std::unique_ptr<D> driver;
  };
  static Box* Unbox(ce_driver_instance* instance) { return reinterpret_cast<Box*>(instance); }

  static ce_driver_instance* OnCreate(const ce_host_api* api, ce_host_context* ctx,
                                      const ce_driver_instance_config* config, char* error,
                                      std::size_t error_size) {
    if (api == nullptr || api->struct_size < sizeof(ce_host_api) || config == nullptr) {
      WriteError(error, error_size, "host function table is missing or too old");
      return nullptr;
    }
    Box* box = nullptr;
    const Status status = Guard(CE_DRIVER_FATAL, [&]() -> Status {
      Result<std::unique_ptr<D>> driver = D::Create(Settings(*config), Host(api, ctx));
      if (!driver) return std::unexpected<Error>(driver.error());
      box = new Box{std::move(*driver)};
      return {};
    });
    Report(status, error, error_size);
    return reinterpret_cast<ce_driver_instance*>(box);
  }
  static ce_driver_result OnStart(ce_driver_instance* instance, char* error,
                                  std::size_t error_size) {
    D& driver = *Unbox(instance)->driver;
    return Report(Guard(CE_DRIVER_RETRY,
                        [&]() -> Status {
                          if (Status s = driver.Start(); !s) return s;
                          return driver.Run();
                        }),
                  error, error_size);
  }
  static void OnStop(ce_driver_instance* instance) {
    (void)Guard(CE_DRIVER_RETRY, [&]() -> Status {
      Unbox(instance)->driver->Stop();
      return {};
    });
  }
  static void OnDestroy(ce_driver_instance* instance) {
    (void)Guard(CE_DRIVER_RETRY, [&]() -> Status {
      delete Unbox(instance);
      return {};
    });
  }
  static ce_driver_result OnReadNow(ce_driver_instance* instance, char* error,
                                    std::size_t error_size) {
    D& driver = *Unbox(instance)->driver;
    return Report(Guard(CE_DRIVER_RETRY, [&] { return driver.ReadNow(); }), error, error_size);
  }
};

template <typename D>
concept HasReadNow = requires {
  requires D::kSupportsReadNow;
};

template <typename D>
concept EmitsFrames = requires {
  requires D::kEmitsFrames;
};

// A host older than ABI 1.2 cannot validate a list of tables, so a driver
// that declares one does not offer itself to it.
inline bool HostCanRead(std::span<const ce_driver_setting_spec> schema, std::uint32_t host_minor) {
  if (host_minor >= 2) return true;
  for (const ce_driver_setting_spec& spec : schema) {
    if (spec.type == CE_DRIVER_SETTING_TABLE_LIST) return false;
  }
  return true;
}

template <typename D>
const ce_driver_descriptor* Entry(std::uint32_t host_major, std::uint32_t host_minor) {
  if (host_major != CE_DRIVER_ABI_MAJOR) return nullptr;
  static const std::span<const ce_driver_setting_spec> schema = D::Schema();
  if (!HostCanRead(schema, host_minor)) return nullptr;
  static const ce_driver_descriptor descriptor{
      sizeof(ce_driver_descriptor),
      CE_DRIVER_ABI_MAJOR,
      CE_DRIVER_ABI_MINOR,
      D::kName,
      D::kVersion,
      D::kDescription,
      schema.data(),
      schema.size(),
      sizeof(ce_driver_setting_spec),
      &Hooks<D>::OnCreate,
      &Hooks<D>::OnStart,
      &Hooks<D>::OnStop,
      &Hooks<D>::OnDestroy,
      HasReadNow<D> ? &Hooks<D>::OnReadNow : nullptr,
      EmitsFrames<D> ? CE_DRIVER_FLAG_FRAMES : 0u,
  };
  return &descriptor;
}

// Hooks of a schema-only descriptor: creating an instance is refused with the
// reason, so a process that holds only the schema never runs the driver.
template <typename I>
struct SchemaOnlyHooks {
  static ce_driver_instance* OnCreate(const ce_host_api*, ce_host_context*,
                                      const ce_driver_instance_config*, char* error,
                                      std::size_t error_size) {
    std::snprintf(error, error_size,
                  "the %s driver runs in a vision worker (cityedge-vision), not in this process",
                  I::kName);
    return nullptr;
  }
  static ce_driver_result OnStart(ce_driver_instance*, char* error, std::size_t error_size) {
    std::snprintf(error, error_size, "the %s driver runs in a vision worker", I::kName);
    return CE_DRIVER_FATAL;
  }
  static void OnStop(ce_driver_instance*) {}
  static void OnDestroy(ce_driver_instance*) {}
};

// The descriptor of `I` (kName, kVersion, kDescription, Schema(), kEmitsFrames)
// without its code: what the daemon's core needs to validate and describe a
// frame driver that only a vision worker runs.
template <typename I>
const ce_driver_descriptor* SchemaEntry(std::uint32_t host_major, std::uint32_t host_minor) {
  if (host_major != CE_DRIVER_ABI_MAJOR) return nullptr;
  static const std::span<const ce_driver_setting_spec> schema = I::Schema();
  if (!HostCanRead(schema, host_minor)) return nullptr;
  static const ce_driver_descriptor descriptor{
      sizeof(ce_driver_descriptor),
      CE_DRIVER_ABI_MAJOR,
      CE_DRIVER_ABI_MINOR,
      I::kName,
      I::kVersion,
      I::kDescription,
      schema.data(),
      schema.size(),
      sizeof(ce_driver_setting_spec),
      &SchemaOnlyHooks<I>::OnCreate,
      &SchemaOnlyHooks<I>::OnStart,
      &SchemaOnlyHooks<I>::OnStop,
      &SchemaOnlyHooks<I>::OnDestroy,
      nullptr,
      EmitsFrames<I> ? CE_DRIVER_FLAG_FRAMES : 0u,
  };
  return &descriptor;
}

}  // namespace internal
}  // namespace cityedge::sdk

#define CITYEDGE_SDK_CONCAT_(a, b) a##b
#ifdef CITYEDGE_DRIVER_EXTERNAL
#define CITYEDGE_SDK_ENTRY_NAME_(name) ce_driver_entry
#else
#define CITYEDGE_SDK_ENTRY_NAME_(name) CITYEDGE_SDK_CONCAT_(ce_driver_entry_, name)
#endif

// Defines `ce_driver_schema_<name>`, the schema-only descriptor of a built-in
// frame driver (see SchemaEntry), from `Info`, which the driver class derives
// from. Lives in a source file that needs nothing but the SDK.
#define CITYEDGE_DRIVER_SCHEMA(name, Info)                                               \
  static_assert(std::string_view(Info::kName) == #name,                                  \
                "CITYEDGE_DRIVER_SCHEMA name must equal " #Info "::kName");              \
  extern "C" const ce_driver_descriptor* CITYEDGE_SDK_CONCAT_(ce_driver_schema_, name)(  \
      uint32_t host_abi_major, uint32_t host_abi_minor) {                                \
    return ::cityedge::sdk::internal::SchemaEntry<Info>(host_abi_major, host_abi_minor); \
  }

// Defines the driver's entry function for `Class`, whose kName must equal the
// token `name`.
#define CITYEDGE_DRIVER(name, Class)                                                 \
  static_assert(std::string_view(Class::kName) == #name,                             \
                "CITYEDGE_DRIVER name must equal " #Class "::kName");                \
  extern "C" __attribute__((visibility("default"))) const ce_driver_descriptor*      \
  CITYEDGE_SDK_ENTRY_NAME_(name)(uint32_t host_abi_major, uint32_t host_abi_minor) { \
    return ::cityedge::sdk::internal::Entry<Class>(host_abi_major, host_abi_minor);  \
  }
