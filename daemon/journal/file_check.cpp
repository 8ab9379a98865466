// SPDX-License-Identifier: Apache-2.0
#include "daemon/journal/file_check.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "daemon/journal/sqlite_db.hpp"

namespace cityedge::journal {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with the terminator

std::uint32_t BigEndian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::string Stem(const std::string& path) {
  const std::string suffix = ".db";
  if (path.size() > suffix.size() && path.ends_with(suffix)) {
    return path.substr(0, path.size() - suffix.size());
  }
  return path;
}

}  // namespace

Status CheckHeader(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size == 0) return OkStatus();
  unsigned char header[100] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(header), sizeof header)) {
    return MakeError(Code::kDataLoss, "{}: {} bytes, shorter than an SQLite header", path, size);
  }
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    return MakeError(Code::kDataLoss, "{}: not an SQLite file (bad header)", path);
  }
  std::uint32_t page_size = (std::uint32_t{header[16]} << 8) | header[17];
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || (page_size & (page_size - 1)) != 0) {
    return MakeError(Code::kDataLoss, "{}: invalid page size {} in header", path, page_size);
  }
  if (size % page_size != 0) {
    return MakeError(Code::kDataLoss, "{}: size {} is not a whole number of {}-byte pages", path,
                     size, page_size);
  }
  const std::uint32_t pages = BigEndian32(header + 28);
  const bool pages_valid = pages != 0 && BigEndian32(header + 24) == BigEndian32(header + 92);
  if (pages_valid && std::uint64_t{pages} * page_size > size) {
    return MakeError(Code::kDataLoss, "{}: header says {} pages, file holds {}", path, pages,
                     size / page_size);
  }
  return OkStatus();
}

std::string QuarantineName(const std::string& path, std::int64_t wall_ns) {
  const std::time_t secs = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return fmt::format("{}.corrupt.{}.db", Stem(path), stamp);
}

Result<std::string> MoveToQuarantine(const std::string& path, std::int64_t wall_ns) {
  std::string target = QuarantineName(path, wall_ns);
  for (int n = 1; fs::exists(target); ++n) {
    target = fmt::format("{}.{}.db", Stem(QuarantineName(path, wall_ns)), n);
  }
  for (const char* companion : {"", "-wal", "-shm"}) {
    const std::string from = path + companion;
    if (!fs::exists(from)) continue;
    const std::string to = target + companion;
    if (std::rename(from.c_str(), to.c_str()) != 0) {
      return MakeError(Code::kUnavailable, "rename {} to {}: {}", from, to, std::strerror(errno));
    }
  }
  return target;
}

std::vector<std::string> ListQuarantined(const std::string& path) {
  std::vector<std::string> found;
  const fs::path p(path);
  const std::string prefix = fs::path(Stem(path)).filename().string() + ".corrupt.";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(p.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(".db")) found.push_back(entry.path().string());
  }
  return found;
}

Result<std::string> IntegrityCheck(const std::string& path) {
  auto db = Db::Open(path, false);
  if (!db) return std::unexpected(db.error());
  return db->QueryText("PRAGMA integrity_check(1)");
}

}  // namespace cityedge::journal
