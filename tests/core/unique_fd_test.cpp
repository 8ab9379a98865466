// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <utility>

#include "daemon/core/unique_fd.hpp"

namespace cityedge {
namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST_CASE("UniqueFd closes what it holds once, and hands it over on move or release") {
  const int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    UniqueFd a(raw);
    CHECK(a.valid());
    UniqueFd b(std::move(a));
    CHECK_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
    CHECK(b.get() == raw);
    CHECK(IsOpen(raw));
  }
  CHECK_FALSE(IsOpen(raw));

  const int kept = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  {
    UniqueFd c(kept);
    CHECK(c.Release() == kept);
    CHECK_FALSE(c.valid());
  }
  CHECK(IsOpen(kept));

  const int other = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  UniqueFd d(kept);
  d.Reset(other);
  CHECK_FALSE(IsOpen(kept));
  CHECK(d.get() == other);
  UniqueFd e;
  e = std::move(d);
  CHECK(e.get() == other);
  e.Reset();
  CHECK_FALSE(IsOpen(other));
}

}  // namespace
}  // namespace cityedge
