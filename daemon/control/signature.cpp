// SPDX-License-Identifier: Apache-2.0
#include "daemon/control/signature.hpp"

#include "daemon/core/atomic_file.hpp"

namespace cityedge::control {

Result<PlatformKeys> PlatformKeys::FromPem(const std::map<std::string, std::string>& pem) {
  PlatformKeys keys;
  for (const auto& [id, text] : pem) {
    auto key = crypto::Ed25519PublicKey::FromPem(text);
    if (!key) return std::unexpected(key.error().Wrap(fmt::format("platform key {}", id)));
    keys.keys_.emplace(id, *std::move(key));
  }
  return keys;
}

Result<PlatformKeys> PlatformKeys::Load(
    const google::protobuf::RepeatedPtrField<v1::PlatformKey>& keys) {
  std::map<std::string, std::string> pem;
  for (const auto& key : keys) {
    auto text = ReadSmallFile(key.public_key_file());
    if (!text) {
      return MakeError(Code::kInvalidArgument, "platform key {}: cannot read {}", key.id(),
                       key.public_key_file());
    }
    pem[key.id()] = *std::move(text);
  }
  return FromPem(pem);
}

bool PlatformKeys::Has(std::string_view key_id) const { return keys_.contains(key_id); }

bool PlatformKeys::Verify(std::string_view key_id, std::string_view message,
                          std::string_view signature) const {
  auto it = keys_.find(key_id);
  return it != keys_.end() && crypto::Ed25519Verify(it->second, message, signature);
}

}  // namespace cityedge::control
