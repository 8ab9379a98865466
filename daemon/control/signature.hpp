// SPDX-License-Identifier: Apache-2.0
// The platform's keys that sign commands (Ed25519, verified through
// daemon/crypto).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/status.hpp"
#include "daemon/crypto/crypto.hpp"

namespace cityedge::control {

// The platform public keys configured on the box, by key id.
// THREADING: const after Load; Verify is safe from any thread.
class PlatformKeys {
 public:
  // Reads every key file (PEM SubjectPublicKeyInfo, Ed25519). Fails naming
  // the key id and file of the first key that is unreadable or not Ed25519.
  [[nodiscard]] static Result<PlatformKeys> Load(
      const google::protobuf::RepeatedPtrField<v1::PlatformKey>& keys);
  // Same from PEM text (tests, fuzzing).
  [[nodiscard]] static Result<PlatformKeys> FromPem(const std::map<std::string, std::string>& pem);

  [[nodiscard]] bool empty() const { return keys_.empty(); }
  [[nodiscard]] bool Has(std::string_view key_id) const;
  // True when `signature` is key `key_id`'s Ed25519 signature of `message`.
  [[nodiscard]] bool Verify(std::string_view key_id, std::string_view message,
                            std::string_view signature) const;

 private:
  std::map<std::string, crypto::Ed25519PublicKey, std::less<>> keys_;
};

}  // namespace cityedge::control
