// SPDX-License-Identifier: Apache-2.0
#include <linux/sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <vector>

#include "daemon/vision/sandbox_internal.hpp"

namespace cityedge::vision::internal {
namespace {

// Names rather than numbers: one table serves every architecture, and a name
// the architecture lacks (open on arm64, mmap2 on x86_64) is skipped.
constexpr const char* kAllowed[] = {
    // Files: Landlock decides which paths; these only use them.
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "lseek", "_llseek", "close", "close_range", "dup", "dup2", "dup3", "fcntl",
    "fcntl64", "open", "openat", "stat", "lstat", "fstat", "newfstatat", "fstatat64", "stat64",
    "lstat64", "fstat64", "statx", "statfs", "fstatfs", "statfs64", "fstatfs64", "access",
    "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "getcwd",
    "fsync", "fdatasync", "ftruncate", "ftruncate64", "fallocate", "fadvise64", "fadvise64_64",
    "arm_fadvise64_64", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat",
    "rmdir", "flock",
    // Memory: allocators, decoders' frame pools, V4L2 buffers, sanitizer
    // shadow memory, TBB's NUMA-aware allocator.
    "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore", "mlock",
    "munlock", "get_mempolicy", "set_mempolicy", "mbind", "membarrier",
    // Threads and synchronisation.
    "futex", "futex_time64", "futex_waitv", "set_robust_list", "set_tid_address", "rseq", "gettid",
    "getpid", "getppid", "sched_yield", "sched_getaffinity", "sched_getparam", "sched_getscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "getpriority", "getcpu", "exit",
    "exit_group", "restart_syscall",
    // Identity (read only).
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "getuid32",
    "geteuid32", "getgid32", "getegid32", "getresuid32", "getresgid32", "getgroups32",
    // Signals (delivery to other processes is limited by the kill rules).
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn", "sigaltstack", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_sigsuspend", "rt_sigpending",
    // Clocks, timers, limits of this process.
    "nanosleep", "clock_nanosleep", "clock_nanosleep_time64", "clock_gettime", "clock_gettime64",
    "clock_getres", "clock_getres_time64", "gettimeofday", "time", "times", "getrusage", "sysinfo",
    "uname", "getrlimit", "ugetrlimit", "setrlimit", "timerfd_create", "timerfd_settime",
    "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64", "timer_create", "timer_settime",
    "timer_settime64", "timer_gettime", "timer_gettime64", "timer_getoverrun", "timer_delete",
    "setitimer", "getitimer", "alarm",
    // Waiting for descriptors; wake-up pipes and eventfds (GLib, GStreamer).
    "poll", "ppoll", "ppoll_time64", "select", "_newselect", "pselect6", "pselect6_time64",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "eventfd", "eventfd2", "pipe", "pipe2",
    // Messages on sockets the worker already holds (its socket to the core).
    "sendmsg", "recvmsg", "sendto", "recvfrom", "send", "recv", "sendmmsg", "recvmmsg",
    "recvmmsg_time64", "shutdown", "getsockopt", "setsockopt", "getsockname", "getpeername",
    // Randomness; x86 TLS and AMX state set up by glibc and oneDNN.
    "getrandom", "arch_prctl"};

// With an errno instead of a kill, because libraries try them and cope: glibc
// falls back from clone3 to clone; posix_spawn (GStreamer's plugin scanner, a
// sanitizer's symbolizer) reports the failure; thread tuning is advisory.
struct Refused {
  const char* name;
  int error;
};
constexpr Refused kRefused[] = {{"clone3", ENOSYS},
                                {"fork", EPERM},
                                {"vfork", EPERM},
                                {"sched_setscheduler", EPERM},
                                {"sched_setparam", EPERM},
                                {"sched_setattr", EPERM},
                                {"sched_setaffinity", EPERM},
                                {"setpriority", EPERM},
                                {"ioprio_set", EPERM},
                                // The clock's sync state (a read-only adjtimex)
                                // is the core's to stamp: it fills the clock
                                // state of every event a worker sends.
                                {"adjtimex", EPERM},
                                {"clock_adjtime", EPERM},
                                {"clock_adjtime64", EPERM}};

constexpr int kPrctlAllowed[] = {PR_SET_PDEATHSIG,    PR_GET_PDEATHSIG,
                                 PR_GET_DUMPABLE,     PR_SET_DUMPABLE,
                                 PR_SET_NAME,         PR_GET_NAME,
                                 PR_CAPBSET_READ,     PR_GET_SECCOMP,
                                 PR_SET_TIMERSLACK,   PR_GET_TIMERSLACK,
                                 PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS,
                                 PR_SET_VMA,          PR_GET_TAGGED_ADDR_CTRL};

// ioctl type bytes allowed whole: V4L2 ('V'), uvcvideo ('u', UVC extension
// units of thermal cameras), media controller ('|'), DRM ('d'), dma-buf ('b').
constexpr unsigned kIoctlTypes[] = {'V', 'u', '|', 'd', 'b'};
// Single requests libraries make on terminals and sockets (isatty, window
// size, bytes readable, non-blocking, close-on-exec). Never TIOCSTI, which
// would push input into a terminal the worker inherited.
constexpr unsigned long kIoctlRequests[] = {TCGETS,  TIOCGWINSZ, FIONREAD,
                                            FIONBIO, FIOCLEX,    FIONCLEX};
// The kernel reads the request as 32 bits: higher bits must be zero so that a
// request cannot slip a masked type past the comparison.
constexpr std::uint64_t kIoctlTypeMask = sizeof(long) == 8 ? 0xFFFFFFFF0000FF00ULL : 0x0000FF00ULL;

// Thread creation as glibc's pthread_create does it (CLONE_VM | CLONE_SIGHAND
// | CLONE_THREAD, no new namespace); anything else is a new process.
constexpr std::uint64_t kCloneThread = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
constexpr std::uint64_t kCloneMask = kCloneThread | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
                                     CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                     CLONE_PTRACE;

using Filter = std::unique_ptr<void, decltype(&seccomp_release)>;

// One argument comparison (what libseccomp's SCMP_A0..5 macros build, without
// their C compound literals).
scmp_arg_cmp Arg(unsigned int arg, scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
  return scmp_arg_cmp{arg, op, a, b};
}

struct Rule {
  std::uint32_t action;
  const char* name;
  std::vector<scmp_arg_cmp> args;
};

void AddProcessRules(std::vector<Rule>& rules) {
  const auto pid = static_cast<scmp_datum_t>(::getpid());
  rules.push_back(
      {SCMP_ACT_ALLOW, "clone", {Arg(0, SCMP_CMP_MASKED_EQ, kCloneMask, kCloneThread)}});
  rules.push_back({SCMP_ACT_ERRNO(EPERM), "clone", {Arg(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)}});
  // Signals and limits only for this process: the core runs as the same user.
  rules.push_back({SCMP_ACT_ALLOW, "kill", {Arg(0, SCMP_CMP_EQ, pid)}});
  rules.push_back({SCMP_ACT_ALLOW, "tgkill", {Arg(0, SCMP_CMP_EQ, pid)}});
  rules.push_back({SCMP_ACT_ALLOW, "prlimit64", {Arg(0, SCMP_CMP_EQ, 0)}});
  rules.push_back({SCMP_ACT_ALLOW, "prlimit64", {Arg(0, SCMP_CMP_EQ, pid)}});
  for (int option : kPrctlAllowed) {
    rules.push_back(
        {SCMP_ACT_ALLOW, "prctl", {Arg(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(option))}});
  }
  for (unsigned type : kIoctlTypes) {
    rules.push_back(
        {SCMP_ACT_ALLOW, "ioctl", {Arg(1, SCMP_CMP_MASKED_EQ, kIoctlTypeMask, type << 8)}});
  }
  for (unsigned long request : kIoctlRequests) {
    rules.push_back({SCMP_ACT_ALLOW, "ioctl", {Arg(1, SCMP_CMP_EQ, request)}});
  }
}

void AddSocketRules(std::vector<Rule>& rules, bool network) {
  rules.push_back({SCMP_ACT_ALLOW, "socketpair", {Arg(0, SCMP_CMP_EQ, AF_UNIX)}});
  if (!network) return;
  for (int family : {AF_INET, AF_INET6}) {
    rules.push_back(
        {SCMP_ACT_ALLOW, "socket", {Arg(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(family))}});
  }
  // glibc asks nscd (unix) and the routing table (netlink) while resolving
  // names, and carries on without them. A unix socket could reach the control
  // socket.
  for (int family : {AF_UNIX, AF_NETLINK}) {
    rules.push_back({SCMP_ACT_ERRNO(EACCES),
                     "socket",
                     {Arg(0, SCMP_CMP_EQ, static_cast<scmp_datum_t>(family))}});
  }
  rules.push_back({SCMP_ACT_ALLOW, "connect", {}});
  rules.push_back({SCMP_ACT_ALLOW, "bind", {}});
}

[[nodiscard]] std::vector<Rule> Rules(bool network) {
  std::vector<Rule> rules;
  for (const char* name : kAllowed) rules.push_back({SCMP_ACT_ALLOW, name, {}});
  for (const Refused& refused : kRefused) {
    rules.push_back({SCMP_ACT_ERRNO(static_cast<std::uint32_t>(refused.error)), refused.name, {}});
  }
  AddProcessRules(rules);
  AddSocketRules(rules, network);
  return rules;
}

}  // namespace

Status ApplySeccomp(const SandboxPolicy& policy) {
  // KILL_PROCESS needs kernel 4.14 (API level 3); KILL takes the thread only.
  const std::uint32_t kill = seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL;
  const Filter filter(seccomp_init(kill), &seccomp_release);
  if (filter == nullptr) {
    return MakeError(
        Code::kUnavailable,
        "seccomp_init failed: the kernel lacks seccomp filters (CONFIG_SECCOMP_FILTER)");
  }
  // Another architecture's system call ABI (i386 through int 0x80 on x86_64)
  // is a way around the rules; x32 calls are refused the same way because
  // only the native ABI is in the filter.
  if (const int rc = seccomp_attr_set(filter.get(), SCMP_FLTATR_ACT_BADARCH, kill); rc != 0) {
    return MakeError(Code::kInternal, "seccomp bad-arch action: {}", std::strerror(-rc));
  }
  for (const Rule& rule : Rules(policy.network)) {
    // A name this architecture lacks is skipped.
    const int nr = seccomp_syscall_resolve_name(rule.name);
    if (nr < 0) continue;
    const int rc = seccomp_rule_add_array(
        filter.get(), rule.action, nr, static_cast<unsigned>(rule.args.size()), rule.args.data());
    if (rc != 0) {
      return MakeError(Code::kInternal, "seccomp rule for {}: {}", rule.name, std::strerror(-rc));
    }
  }
  if (const int rc = seccomp_load(filter.get()); rc != 0) {
    return MakeError(Code::kUnavailable, "seccomp_load: {}: the kernel refused the filter",
                     std::strerror(-rc));
  }
  return OkStatus();
}

}  // namespace cityedge::vision::internal
