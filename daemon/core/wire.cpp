// SPDX-License-Identifier: Apache-2.0
#include "daemon/core/wire.hpp"

namespace cityedge::wire {
namespace {

// The two wire types these helpers write (protobuf encoding guide).
constexpr std::uint32_t kVarintType = 0;
constexpr std::uint32_t kLengthDelimitedType = 2;

std::uint32_t Tag(int field_number, std::uint32_t wire_type) {
  return (static_cast<std::uint32_t>(field_number) << 3) | wire_type;
}

void AppendVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

std::size_t VarintSize(std::uint64_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

std::size_t TagSize(int field_number) { return VarintSize(Tag(field_number, kVarintType)); }

std::size_t VarintFieldSize(int field_number, std::uint64_t value) {
  return TagSize(field_number) + VarintSize(value);
}

void AppendVarintField(std::string& out, int field_number, std::uint64_t value) {
  AppendVarint(out, Tag(field_number, kVarintType));
  AppendVarint(out, value);
}

std::size_t BytesFieldSize(int field_number, std::size_t size) {
  return TagSize(field_number) + VarintSize(size) + size;
}

void AppendBytesField(std::string& out, int field_number, std::string_view bytes) {
  AppendVarint(out, Tag(field_number, kLengthDelimitedType));
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

}  // namespace cityedge::wire
