// SPDX-License-Identifier: Apache-2.0
#include "daemon/host/driver_registry.hpp"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daemon/core/unique_fd.hpp"
#include "daemon/host/settings_bridge.hpp"

namespace cityedge::host {
namespace {

// Every field of ABI 1.0's descriptor, up to and including on_read_now.
constexpr std::size_t kMinDescriptorSize =
    offsetof(ce_driver_descriptor, on_read_now) + sizeof(ce_driver_on_read_now_fn);

Status CheckHooks(const ce_driver_descriptor& d, std::string_view origin) {
  const std::pair<const char*, bool> hooks[] = {
      {"on_create", d.on_create != nullptr},
      {"on_start", d.on_start != nullptr},
      {"on_stop", d.on_stop != nullptr},
      {"on_destroy", d.on_destroy != nullptr},
  };
  for (const auto& [hook, present] : hooks) {
    if (!present) {
      return MakeError(Code::kInvalidArgument, "driver {}: required hook {} is NULL", origin, hook);
    }
  }
  if (d.name == nullptr || d.version == nullptr || d.description == nullptr) {
    return MakeError(Code::kInvalidArgument, "driver {}: name, version or description is NULL",
                     origin);
  }
  return OkStatus();
}

// Checks an open file or folder: owner and no group/world write bit.
Status CheckOwnership(const struct stat& st, std::string_view what, std::string_view path,
                      const LoadPolicy& policy) {
  if (st.st_uid != policy.owner) {
    return MakeError(Code::kPermissionDenied,
                     "{} {} is owned by uid {}, not uid {}; refusing to load drivers from it", what,
                     path, st.st_uid, policy.owner);
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return MakeError(Code::kPermissionDenied,
                     "{} {} is group- or world-writable (mode {:o}); refusing to load drivers "
                     "from it (chmod go-w)",
                     what, path, st.st_mode & 07777);
  }
  return OkStatus();
}

Result<int> OpenDriverDir(const std::string& dir, const LoadPolicy& policy) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    return MakeError(err == ENOENT ? Code::kNotFound : Code::kPermissionDenied,
                     "driver folder {}: {}{}", dir, std::strerror(err),
                     err == ELOOP || err == ENOTDIR ? " (a symlink or not a folder)" : "");
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    return MakeError(Code::kInternal, "driver folder {}: fstat: {}", dir, std::strerror(errno));
  }
  if (Status s = CheckOwnership(st, "driver folder", dir, policy); !s) {
    return std::unexpected(s.error());
  }
  return fd.Release();
}

std::string FileStem(const std::string& file) {
  const std::size_t dot = file.rfind(".so");
  return dot == std::string::npos ? file : file.substr(0, dot);
}

// Opens and checks `file` inside the already checked folder `dir_fd`, then
// loads it through /proc/self/fd so the checked inode is the loaded one.
Result<std::shared_ptr<void>> OpenLibrary(int dir_fd, const std::string& path,
                                          const std::string& file, const LoadPolicy& policy) {
  UniqueFd fd(openat(dir_fd, file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ELOOP) {
      return MakeError(Code::kPermissionDenied,
                       "driver {} is a symbolic link; refusing it (install the file itself)", path);
    }
    return MakeError(Code::kNotFound, "driver {}: {}", path, std::strerror(err));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return MakeError(Code::kInvalidArgument, "driver {} is not a regular file", path);
  }
  if (Status s = CheckOwnership(st, "driver file", path, policy); !s) {
    return std::unexpected(s.error());
  }
  const std::string proc_path = fmt::format("/proc/self/fd/{}", fd.get());
  void* handle = dlopen(proc_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return MakeError(Code::kInvalidArgument, "driver {}: dlopen failed: {}", path,
                     why ? why : "unknown error");
  }
  // glibc recognises an already loaded object by the name it was opened with;
  // a later driver opened through the same fd number would be handed this
  // library. The fd therefore stays open, and its number taken, for as long
  // as the library is loaded.
  return std::shared_ptr<void>(handle, [lib_fd = fd.Release()](void* h) {
    dlclose(h);
    close(lib_fd);
  });
}

}  // namespace

Result<std::shared_ptr<const DriverType>> CheckDriver(ce_driver_entry_fn entry,
                                                      std::string_view expected_name,
                                                      std::string origin,
                                                      std::shared_ptr<void> library) {
  const ce_driver_descriptor* d = entry(CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR);
  if (d == nullptr) {
    return MakeError(Code::kFailedPrecondition,
                     "driver {} refused host driver ABI {}.{} (its entry returned NULL); rebuild "
                     "it against this daemon's SDK",
                     origin, CE_DRIVER_ABI_MAJOR, CE_DRIVER_ABI_MINOR);
  }
  if (d->abi_major != CE_DRIVER_ABI_MAJOR) {
    return MakeError(
        Code::kFailedPrecondition,
        "driver {} speaks driver ABI major {}, this daemon speaks major {}; rebuild it "
        "against this daemon's SDK",
        origin, d->abi_major, CE_DRIVER_ABI_MAJOR);
  }
  if (d->struct_size < kMinDescriptorSize) {
    return MakeError(Code::kFailedPrecondition,
                     "driver {}: descriptor struct_size {} is smaller than ABI {}.0's {} bytes",
                     origin, d->struct_size, CE_DRIVER_ABI_MAJOR, kMinDescriptorSize);
  }
  if (Status s = CheckHooks(*d, origin); !s) return std::unexpected(s.error());
  if (expected_name != d->name) {
    return MakeError(Code::kInvalidArgument,
                     "driver {} calls itself '{}' but must be named '{}' (its file name or "
                     "table entry)",
                     origin, d->name, expected_name);
  }
  Result<config::SettingsSchema> schema = ConvertSchema(*d);
  if (!schema) return std::unexpected(schema.error().Wrap(fmt::format("driver {}", origin)));
  return std::make_shared<const DriverType>(d, std::move(*schema), std::move(origin),
                                            std::move(library));
}

namespace {

Result<std::shared_ptr<const DriverType>> LoadFromDirFd(int dir_fd, const std::string& dir,
                                                        const std::string& file,
                                                        const LoadPolicy& policy) {
  const std::string path = dir + "/" + file;
  Result<std::shared_ptr<void>> library = OpenLibrary(dir_fd, path, file, policy);
  if (!library) return std::unexpected(library.error());
  void* symbol = dlsym(library->get(), CE_DRIVER_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    return MakeError(Code::kInvalidArgument,
                     "driver {} does not export {} (is it a CityEdge driver? built-in drivers "
                     "cannot be loaded as .so)",
                     path, CE_DRIVER_ENTRY_SYMBOL);
  }
  // POSIX guarantees that dlsym results convert to function pointers.
  auto entry = reinterpret_cast<ce_driver_entry_fn>(symbol);
  return CheckDriver(entry, FileStem(file), path, std::move(*library));
}

}  // namespace

Result<std::shared_ptr<const DriverType>> LoadExternalDriver(const std::string& dir,
                                                             const std::string& file,
                                                             const LoadPolicy& policy) {
  Result<int> dir_fd = OpenDriverDir(dir, policy);
  if (!dir_fd) return std::unexpected(dir_fd.error());
  UniqueFd guard(*dir_fd);
  return LoadFromDirFd(guard.get(), dir, file, policy);
}

Status DriverRegistry::AddBuiltins(std::span<const BuiltinDriver> table) {
  std::vector<std::string> problems;
  for (const BuiltinDriver& row : table) {
    Result<std::shared_ptr<const DriverType>> type =
        CheckDriver(row.entry, row.name, fmt::format("built-in '{}'", row.name));
    Status added = type ? Add(std::move(*type)) : std::unexpected(type.error());
    if (!added) problems.push_back(added.error().message());
  }
  if (!problems.empty()) {
    return MakeError(Code::kInternal, "{}", fmt::join(problems, "; "));
  }
  return OkStatus();
}

Status DriverRegistry::Add(std::shared_ptr<const DriverType> type) {
  const std::string name(type->name());
  if (const auto it = types_.find(name); it != types_.end()) {
    return MakeError(Code::kAlreadyExists,
                     "driver {}: a driver named '{}' is already loaded from {}", type->origin(),
                     name, it->second->origin());
  }
  types_.emplace(name, std::move(type));
  return OkStatus();
}

Status DriverRegistry::LoadDirectory(const std::string& dir, std::vector<Error>* problems,
                                     const LoadPolicy& policy) {
  Result<int> dir_fd = OpenDriverDir(dir, policy);
  if (!dir_fd) {
    if (dir_fd.error().code() == Code::kNotFound) return OkStatus();
    return std::unexpected(dir_fd.error());
  }
  UniqueFd guard(*dir_fd);
  std::vector<std::string> files;
  // fdopendir takes ownership of its descriptor, so list through a duplicate.
  if (DIR* listing = fdopendir(dup(guard.get())); listing != nullptr) {
    while (const dirent* entry = readdir(listing)) {
      const std::string name = entry->d_name;
      if (name.size() > 3 && name.ends_with(".so")) files.push_back(name);
    }
    closedir(listing);
  } else {
    return MakeError(Code::kInternal, "driver folder {}: {}", dir, std::strerror(errno));
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    Result<std::shared_ptr<const DriverType>> type = LoadFromDirFd(guard.get(), dir, file, policy);
    Status added = type ? Add(std::move(*type)) : std::unexpected(type.error());
    if (!added && problems != nullptr) problems->push_back(added.error());
  }
  return OkStatus();
}

std::shared_ptr<const DriverType> DriverRegistry::Find(std::string_view name) const {
  const auto it = types_.find(name);
  return it == types_.end() ? nullptr : it->second;
}

std::vector<std::string> DriverRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, type] : types_) names.push_back(name);
  return names;
}

const config::SettingsSchema* DriverSchemaRegistry::FindDriver(std::string_view type) const {
  const std::shared_ptr<const DriverType> found = drivers_.Find(type);
  // The registry holds the type for its whole life, so the pointer stays valid.
  return found ? &found->schema() : nullptr;
}

const config::SettingsSchema* DriverSchemaRegistry::FindPipeline(std::string_view type) const {
  return find_pipeline_ ? find_pipeline_(type) : nullptr;
}

std::vector<std::string> DriverSchemaRegistry::DriverTypes() const { return drivers_.Names(); }

std::vector<std::string> DriverSchemaRegistry::PipelineTypes() const {
  return pipeline_names_ ? pipeline_names_() : std::vector<std::string>{};
}

}  // namespace cityedge::host
