// SPDX-License-Identifier: Apache-2.0
// The sandbox a vision worker applies to itself before it opens any source.
//
// A vision worker decodes untrusted video (camera streams, files, thermal
// frames). ApplySandbox confines it so that a decoder exploited by a malformed
// stream reaches nothing but its own sources and evidence folder:
//
//  1. Every inherited descriptor is closed except 0, 1, 2 and policy.keep_fds
//     (the socket to the core).
//  2. no_new_privs: no set-uid, set-gid or file-capability gain from here on.
//  3. Landlock (kernel 5.13+, best effort): the file system becomes read-only
//     and limited to
//       - policy.read_paths (files or folders; a character device named there,
//         such as a V4L2 node, may also be opened read-write, as capture
//         requires, and take ioctls);
//       - the system set of SystemReadPaths(): /usr, /lib*, the loader cache,
//         time zone, /proc/self, CPU and memory topology in /sys and /proc,
//         /dev/null, /dev/zero, /dev/[u]random (and the resolver and CA files of
//         /etc when policy.network), read-only;
//     and writable only under policy.write_paths (the evidence folder: create,
//     write, truncate, rename and remove files and folders beneath it).
//     Everything else is denied (EACCES), in particular the journal
//     (/var/lib/cityedge), keys and passwords (/etc/cityedge), the control
//     socket's folder (/run/cityedge), the rest of /etc, /var, /run, /home,
//     /root and /tmp. Nothing may be executed. From ABI 6 the worker can no
//     longer signal processes outside its sandbox (the core) nor connect to
//     abstract unix sockets. A kernel without Landlock (or with it disabled)
//     leaves the file system open: the report says so in `warning` and the
//     worker runs on with seccomp alone.
//  4. seccomp (must succeed): an allowlist whose default action kills the
//     process (SIGSYS). It permits what a multithreaded C++ program decoding
//     video with OpenCV/FFmpeg/GStreamer, capturing from V4L2 and talking
//     protobuf over its socket needs: file I/O, memory, futexes, timers,
//     signals to itself, threads (clone with thread flags only), and ioctls of
//     V4L2, uvcvideo, media controller, DRM and dma-buf plus the few terminal
//     and socket queries libraries make (never TIOCSTI). Refused with an errno
//     that libraries handle: fork/vfork and non-thread clone (EPERM), clone3
//     (ENOSYS, so glibc falls back to clone), scheduler and priority changes
//     (EPERM), adjtimex and clock_adjtime (EPERM: the core stamps the clock
//     state of the worker's events), and with policy.network unix and
//     netlink sockets (EACCES).
//     Anything else kills: execve, ptrace, mount, bpf, keyctl, unshare,
//     setns, module loading, process_vm_*, personality, prctl options outside
//     a short list, prlimit64 on another process, kill/tgkill of another
//     process, and socket/connect/bind unless policy.network (then only
//     AF_INET and AF_INET6 sockets). On x86_64 the i386 and x32 system call
//     ABIs kill too.
//
// THREADING: ApplySandbox must be called while the process has one thread
// (Landlock and seccomp here confine the calling thread and the threads it
// creates later), before any source is opened. It refuses with
// kFailedPrecondition otherwise. The sandbox cannot be undone.
//
// Sanitizer builds: ASan, UBSan and TSan run inside the sandbox, but
// LeakSanitizer's exit-time check needs ptrace and a non-thread clone, which
// the sandbox refuses; run sandboxed processes with ASAN_OPTIONS=detect_leaks=0.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "daemon/core/status.hpp"

namespace cityedge::vision {

struct SandboxPolicy {
  // Absolute paths the worker may read: its sources (device nodes, video
  // files), the OpenCV data files it uses, its settings. Folders cover what is
  // beneath them. Paths that do not exist (an unplugged camera) are skipped.
  std::vector<std::string> read_paths;
  // Absolute folders (or files) the worker may write: the evidence folder.
  std::vector<std::string> write_paths;
  // Descriptors kept open besides 0, 1 and 2 (the socket to the core).
  std::vector<int> keep_fds;
  // RTSP/HTTP cameras: AF_INET/AF_INET6 sockets, connect, bind, and read
  // access to the resolver and CA certificate files of /etc.
  bool network = false;
};

struct SandboxReport {
  int landlock_abi = 0;  // 0: the kernel lacks Landlock or has it disabled
  bool landlock_applied = false;
  bool seccomp_applied = false;
  // Non-empty when the sandbox is weaker than the policy asks (no Landlock);
  // the worker logs it as a warning.
  std::string warning;
  // Paths of the policy or system set that were skipped, with the reason.
  std::vector<std::string> notes;
};

// The Landlock ABI version of the running kernel, 0 if it has none (ENOSYS)
// or Landlock is disabled (EOPNOTSUPP).
[[nodiscard]] int LandlockAbiVersion();

// The system paths every worker may read (see step 3 above); those that do
// not exist on this machine are skipped when the sandbox is applied.
[[nodiscard]] std::vector<std::string> SystemReadPaths(bool network);

// Checks a policy without applying anything: paths must be absolute, and none
// may be, contain or lie inside /etc/cityedge, /var/lib/cityedge or
// /run/cityedge (after resolving symbolic links); keep_fds must be open.
[[nodiscard]] Status ValidateSandboxPolicy(const SandboxPolicy& policy);

// Closes every descriptor >= 3 not in `keep` (close_range where the kernel
// has it, else each entry of /proc/self/fd). Every kept descriptor must be
// open. Not thread-safe against other threads opening descriptors.
[[nodiscard]] Status CloseInheritedFds(std::span<const int> keep);

// Validates the policy, closes inherited descriptors, sets no_new_privs, then
// applies Landlock (best effort, see above) and seccomp (must succeed). On an
// error the process may be partly confined and must exit.
[[nodiscard]] Result<SandboxReport> ApplySandbox(const SandboxPolicy& policy);

}  // namespace cityedge::vision
