// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>

#include "daemon/core/atomic_file.hpp"
#include "tests/support/process.hpp"

namespace cityedge {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

bool IsFolder(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

// The real calls, with the ones a test overrides replaced.
FileSyscalls Real() { return FileSyscalls::Real(); }

TEST_CASE("WriteFileAtomically replaces the file, with the mode asked for and no leftovers") {
  TempDir dir;
  const std::string path = dir.Join("state");
  WriteFile(path, "old content that is longer\n");
  REQUIRE(WriteFileAtomically(path, "new\n", 0600));
  CHECK(ReadFile(path) == "new\n");
  CHECK_FALSE(Exists(path + ".tmp"));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  REQUIRE(WriteFileAtomically(path, ""));
  CHECK(ReadFile(path).empty());
}

TEST_CASE("WriteFileAtomically in the working folder syncs \".\"") {
  TempDir dir;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  std::string synced_folder;
  FileSyscalls sys = Real();
  sys.open = [&](const char* path, int flags, mode_t mode) {
    if ((flags & O_DIRECTORY) != 0) synced_folder = path;
    return ::open(path, flags, mode);
  };
  const Status s = WriteFileAtomically("relative", "x", 0640, sys);
  std::filesystem::current_path(cwd);
  REQUIRE(s);
  CHECK(synced_folder == ".");
  CHECK(ReadFile(dir.Join("relative")) == "x");
}

TEST_CASE("WriteFileAtomically retries writes and fsyncs interrupted by a signal") {
  TempDir dir;
  const std::string path = dir.Join("seq");
  int write_calls = 0;
  int fsync_calls = 0;
  FileSyscalls sys = Real();
  sys.write = [&](int fd, const void* data, std::size_t size) -> ssize_t {
    if (++write_calls == 1) return errno = EINTR, -1;
    return ::write(fd, data, size);
  };
  sys.fsync = [&](int fd) {
    if (++fsync_calls == 1 || (IsFolder(fd) && fsync_calls == 3)) return errno = EINTR, -1;
    return ::fsync(fd);
  };
  REQUIRE(WriteFileAtomically(path, "12345\n", 0640, sys));
  CHECK(ReadFile(path) == "12345\n");
  CHECK(write_calls == 2);
  CHECK(fsync_calls == 4);
}

TEST_CASE("WriteFileAtomically finishes short writes") {
  TempDir dir;
  const std::string path = dir.Join("floor");
  const std::string text = "a line long enough to take several short writes\n";
  int write_calls = 0;
  FileSyscalls sys = Real();
  sys.write = [&](int fd, const void* data, std::size_t size) {
    ++write_calls;
    return ::write(fd, data, std::min<std::size_t>(size, 7));
  };
  REQUIRE(WriteFileAtomically(path, text, 0640, sys));
  CHECK(ReadFile(path) == text);
  CHECK(write_calls == static_cast<int>((text.size() + 6) / 7));
}

TEST_CASE("A full disk is kResourceExhausted; the old file stays and the temporary goes") {
  TempDir dir;
  const std::string path = dir.Join("state");
  WriteFile(path, "old\n");

  SECTION("injected after a partial write") {
    int write_calls = 0;
    FileSyscalls sys = Real();
    sys.write = [&](int fd, const void* data, std::size_t size) -> ssize_t {
      if (++write_calls == 2) return errno = ENOSPC, -1;
      return ::write(fd, data, std::min<std::size_t>(size, 2));
    };
    const Status s = WriteFileAtomically(path, "new content\n", 0640, sys);
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == Code::kResourceExhausted);
    CHECK(s.error().message() == "write " + path + ".tmp: No space left on device");
  }
  SECTION("from the kernel: the temporary file's name leads to /dev/full") {
    std::filesystem::create_symlink("/dev/full", path + ".tmp");
    const Status s = WriteFileAtomically(path, "new content\n");
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == Code::kResourceExhausted);
    CHECK(s.error().message() == "write " + path + ".tmp: No space left on device");
  }
  SECTION("over quota, found at the fsync") {
    FileSyscalls sys = Real();
    sys.fsync = [](int) { return errno = EDQUOT, -1; };
    const Status s = WriteFileAtomically(path, "new content\n", 0640, sys);
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == Code::kResourceExhausted);
    CHECK(s.error().message().starts_with("fsync " + path + ".tmp: "));
  }
  CHECK(ReadFile(path) == "old\n");
  CHECK_FALSE(Exists(path + ".tmp"));
  CHECK_FALSE(std::filesystem::is_symlink(path + ".tmp"));
}

TEST_CASE("Every failing step before the rename names itself and removes the temporary") {
  TempDir dir;
  const std::string path = dir.Join("session_seq");
  const std::string tmp = path + ".tmp";
  WriteFile(path, "7\n");
  FileSyscalls sys = Real();
  std::string expected;
  SECTION("create") {
    sys.open = [](const char*, int, mode_t) { return errno = EACCES, -1; };
    expected = "create " + tmp + ": Permission denied";
  }
  SECTION("write") {
    sys.write = [](int, const void*, std::size_t) -> ssize_t { return errno = EIO, -1; };
    expected = "write " + tmp + ": Input/output error";
  }
  SECTION("write that writes nothing") {
    sys.write = [](int, const void*, std::size_t) -> ssize_t { return 0; };
    expected = "write " + tmp + ": Input/output error";
  }
  SECTION("fsync of the file") {
    sys.fsync = [](int fd) { return IsFolder(fd) ? ::fsync(fd) : (errno = EIO, -1); };
    expected = "fsync " + tmp + ": Input/output error";
  }
  SECTION("rename") {
    sys.rename = [](const char*, const char*) { return errno = EXDEV, -1; };
    expected = "rename " + tmp + " to " + path + ": Invalid cross-device link";
  }
  const Status s = WriteFileAtomically(path, "8\n", 0640, sys);
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == Code::kUnavailable);
  CHECK(s.error().message() == expected);
  CHECK(ReadFile(path) == "7\n");
  CHECK_FALSE(Exists(tmp));
}

TEST_CASE("A failing fsync of the folder is an error though the file is already replaced") {
  TempDir dir;
  const std::string path = dir.Join("clock_floor");
  WriteFile(path, "1\n");
  FileSyscalls sys = Real();
  sys.fsync = [](int fd) { return IsFolder(fd) ? (errno = EIO, -1) : ::fsync(fd); };
  const Status s = WriteFileAtomically(path, "2\n", 0640, sys);
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == Code::kUnavailable);
  CHECK(s.error().message() == "fsync folder " + dir.path() + ": Input/output error; " + path +
                                   " is replaced but a power cut may undo it");
  CHECK(ReadFile(path) == "2\n");
  CHECK_FALSE(Exists(path + ".tmp"));
}

TEST_CASE("A folder that cannot be opened for its fsync is an error naming it") {
  TempDir dir;
  const std::string path = dir.Join("state");
  FileSyscalls sys = Real();
  sys.open = [](const char* p, int flags, mode_t mode) {
    if ((flags & O_DIRECTORY) != 0) return errno = EMFILE, -1;
    return ::open(p, flags, mode);
  };
  const Status s = WriteFileAtomically(path, "x", 0640, sys);
  REQUIRE_FALSE(s);
  CHECK(s.error().message() == "open folder " + dir.path() + ": Too many open files");
}

TEST_CASE("ReadSmallFile reads a whole file and tells a missing one from a broken one") {
  TempDir dir;
  const std::string path = dir.Join("small");
  std::string text(10'000, 'x');
  text += "end\n";
  WriteFile(path, text);
  auto read = ReadSmallFile(path);
  REQUIRE(read);
  CHECK(*read == text);

  auto missing = ReadSmallFile(dir.Join("none"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Code::kNotFound);
  CHECK(missing.error().message() == "open " + dir.Join("none") + ": No such file or directory");

  auto large = ReadSmallFile(path, 9'999);
  REQUIRE_FALSE(large);
  CHECK(large.error().code() == Code::kDataLoss);
  CHECK(large.error().message() == path + " is larger than 9999 bytes");
  CHECK(ReadSmallFile(path, text.size()));

  auto folder = ReadSmallFile(dir.path());
  REQUIRE_FALSE(folder);
  CHECK(folder.error().code() == Code::kUnavailable);
  CHECK(folder.error().message() == "read " + dir.path() + ": Is a directory");
}

TEST_CASE("ReadSmallFile retries reads interrupted by a signal and takes short reads") {
  TempDir dir;
  const std::string path = dir.Join("small");
  WriteFile(path, "0123456789");
  int calls = 0;
  FileSyscalls sys = Real();
  sys.read = [&](int fd, void* data, std::size_t size) -> ssize_t {
    if (++calls % 2 == 1) return errno = EINTR, -1;
    return ::read(fd, data, std::min<std::size_t>(size, 3));
  };
  auto read = ReadSmallFile(path, 64, sys);
  REQUIRE(read);
  CHECK(*read == "0123456789");
  CHECK(calls == 10);  // 4 short reads and the end, each after an EINTR
}

}  // namespace
}  // namespace cityedge
