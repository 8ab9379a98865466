// SPDX-License-Identifier: Apache-2.0
// Protobuf wire bytes written without building a message: where serialized
// events are spliced into a batch, or a field is put in front of stored
// bytes, without a parse and a re-serialize. Field numbers are always the
// generated constants (v1::Event::kSeqFieldNumber), never literals, so a
// renumbered field cannot leave stale bytes behind. The output is what
// SerializeToString gives for the same field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cityedge::wire {

// Bytes of `value` as a base-128 varint (1 to 10).
[[nodiscard]] std::size_t VarintSize(std::uint64_t value);
// Bytes of the tag (field number and wire type) of `field_number`.
[[nodiscard]] std::size_t TagSize(int field_number);

// A varint field (uint64, uint32, int64 >= 0, bool, enum) on the wire.
[[nodiscard]] std::size_t VarintFieldSize(int field_number, std::uint64_t value);
void AppendVarintField(std::string& out, int field_number, std::uint64_t value);

// A length-delimited field (string, bytes, or a serialized message) on the wire.
[[nodiscard]] std::size_t BytesFieldSize(int field_number, std::size_t size);
void AppendBytesField(std::string& out, int field_number, std::string_view bytes);

}  // namespace cityedge::wire
