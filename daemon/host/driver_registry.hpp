// SPDX-License-Identifier: Apache-2.0
// Driver types: built-in drivers from the generated table and external .so
// drivers from driver_dir, each checked against the ABI before use.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cityedge/driver_abi.h"
#include "daemon/config/settings.hpp"
#include "daemon/core/status.hpp"

namespace cityedge::host {

// One row of the generated table of built-in drivers.
struct BuiltinDriver {
  const char* name;
  ce_driver_entry_fn entry;
};

// A checked driver: its descriptor, its schema in the daemon's terms, and
// (for .so drivers) the library handle that keeps its code mapped.
// THREADING: immutable after construction; share freely.
class DriverType {
 public:
  DriverType(const ce_driver_descriptor* descriptor, config::SettingsSchema schema,
             std::string origin, std::shared_ptr<void> library)
      : descriptor_(descriptor),
        schema_(std::move(schema)),
        origin_(std::move(origin)),
        library_(std::move(library)) {}

  [[nodiscard]] std::string_view name() const { return descriptor_->name; }
  [[nodiscard]] std::string_view version() const { return descriptor_->version; }
  [[nodiscard]] std::string_view description() const { return descriptor_->description; }
  [[nodiscard]] const ce_driver_descriptor& descriptor() const { return *descriptor_; }
  [[nodiscard]] const config::SettingsSchema& schema() const { return schema_; }
  // CE_DRIVER_FLAG_FRAMES (ABI 1.1): its instances run in a vision worker.
  // A 1.0 descriptor has no flags and is a reading driver.
  [[nodiscard]] bool emits_frames() const {
    return descriptor_->struct_size >=
               offsetof(ce_driver_descriptor, flags) + sizeof(ce_driver_flags) &&
           (descriptor_->flags & CE_DRIVER_FLAG_FRAMES) != 0;
  }
  // "built-in" or the .so path.
  [[nodiscard]] const std::string& origin() const { return origin_; }

 private:
  const ce_driver_descriptor* descriptor_;
  config::SettingsSchema schema_;
  std::string origin_;
  std::shared_ptr<void> library_;  // dlclose on last reference
};

// Calls `entry` with the host's ABI version and checks what comes back:
// non-NULL, same major, struct size, name == expected_name, hooks present,
// schema well formed. Each failure has its own message naming `origin`.
[[nodiscard]] Result<std::shared_ptr<const DriverType>> CheckDriver(
    ce_driver_entry_fn entry, std::string_view expected_name, std::string origin,
    std::shared_ptr<void> library = nullptr);

// Who may own driver_dir and its files. Production: root (0) only.
struct LoadPolicy {
  uid_t owner = 0;
};

// Loads one external driver, `<dir>/<file>`. The folder and the file must be
// owned by policy.owner and not group/world writable; the file is opened with
// O_NOFOLLOW (a symlink is refused), checked with fstat and loaded through
// /proc/self/fd/N, so what was checked is what is loaded.
[[nodiscard]] Result<std::shared_ptr<const DriverType>> LoadExternalDriver(
    const std::string& dir, const std::string& file, const LoadPolicy& policy = {});

// The driver types this daemon can run.
// THREADING: fill it at startup on one thread; afterwards const use from any
// thread is safe.
class DriverRegistry {
 public:
  // Checks and adds every built-in; all problems are reported together.
  [[nodiscard]] Status AddBuiltins(std::span<const BuiltinDriver> table);
  [[nodiscard]] Status Add(std::shared_ptr<const DriverType> type);
  // Loads every `*.so` in `dir`. Returns an error when the folder itself is
  // unsafe; per-file refusals go to `problems` (and the rest still load). A
  // missing folder means no external drivers and is not an error.
  [[nodiscard]] Status LoadDirectory(const std::string& dir, std::vector<Error>* problems,
                                     const LoadPolicy& policy = {});

  [[nodiscard]] std::shared_ptr<const DriverType> Find(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::shared_ptr<const DriverType>, std::less<>> types_;
};

// config::SchemaRegistry over the driver registry, with pipeline schemas
// supplied by the caller (the pipeline registry lives elsewhere):
//
//   DriverSchemaRegistry schemas(drivers,
//       [](std::string_view t) { auto* p = pipelines::FindPipelineType(t);
//                                return p ? &p->schema : nullptr; },
//       [] { ...names of BuiltinPipelineTypes()... });
//
// OWNERSHIP: `drivers` outlives this object.
class DriverSchemaRegistry final : public config::SchemaRegistry {
 public:
  using PipelineLookup = std::function<const config::SettingsSchema*(std::string_view)>;
  using PipelineNames = std::function<std::vector<std::string>()>;

  explicit DriverSchemaRegistry(const DriverRegistry& drivers, PipelineLookup find_pipeline = {},
                                PipelineNames pipeline_names = {})
      : drivers_(drivers),
        find_pipeline_(std::move(find_pipeline)),
        pipeline_names_(std::move(pipeline_names)) {}

  [[nodiscard]] const config::SettingsSchema* FindDriver(std::string_view type) const override;
  [[nodiscard]] const config::SettingsSchema* FindPipeline(std::string_view type) const override;
  [[nodiscard]] std::vector<std::string> DriverTypes() const override;
  [[nodiscard]] std::vector<std::string> PipelineTypes() const override;

 private:
  const DriverRegistry& drivers_;
  PipelineLookup find_pipeline_;
  PipelineNames pipeline_names_;
};

}  // namespace cityedge::host
