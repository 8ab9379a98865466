// SPDX-License-Identifier: Apache-2.0
// Small files that must survive a crash or a power cut whole: state kept
// beside the journal, the uplink's session seq, the clock floor, the config
// file written by `config apply`. The one place that writes such a file
// (temporary file, fsync, rename, fsync of the folder) and reads one back.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "daemon/core/status.hpp"

namespace cityedge {

// The system calls the functions below make, so a test can make any one of
// them fail (EINTR, a short write, ENOSPC, a failing fsync of the folder)
// against a real folder. Each member behaves like the call it is named after:
// it returns -1 and sets errno on failure. The defaults are the real calls.
// THREADING: the functions are called on the caller's thread.
struct FileSyscalls {
  std::function<int(const char* path, int flags, mode_t mode)> open;
  std::function<ssize_t(int fd, const void* data, std::size_t size)> write;
  std::function<ssize_t(int fd, void* data, std::size_t size)> read;
  std::function<int(int fd)> fsync;
  std::function<int(const char* from, const char* to)> rename;
  std::function<int(const char* path)> unlink;

  [[nodiscard]] static const FileSyscalls& Real();
};

// Replaces `path` with `bytes` so that after a crash at any point the file
// holds either its old content or all of `bytes`: writes `path` + ".tmp"
// (created with `mode`), fsyncs it, renames it over `path` and fsyncs the
// folder, which makes the rename itself durable.
//
// Errors name the step and the file or folder it failed on ("write
// /var/lib/cityedge/x.tmp: No space left on device"); a full disk or quota is
// kResourceExhausted, anything else kUnavailable. On every failure before the
// rename the temporary file is removed and `path` is untouched; when only the
// folder fsync fails, `path` already holds `bytes` but may lose them in a
// power cut, and the error says so.
[[nodiscard]] Status WriteFileAtomically(const std::string& path, std::string_view bytes,
                                         mode_t mode = 0640,
                                         const FileSyscalls& sys = FileSyscalls::Real());

// Reads a whole file of at most `max_bytes`. A missing file is kNotFound, a
// larger one kDataLoss (a small state file that grew is not what was
// written), other failures kUnavailable; messages name the path.
[[nodiscard]] Result<std::string> ReadSmallFile(const std::string& path,
                                                std::size_t max_bytes = 64 * 1024,
                                                const FileSyscalls& sys = FileSyscalls::Real());

}  // namespace cityedge
