// Ed25519 verification of platform commands. The only code that includes
// OpenSSL lives in this file's .cpp.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "cityedge/v1/config.pb.h"
#include "daemon/core/status.hpp"

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
  struct Key;
  std::map<std::string, std::shared_ptr<const Key>, std::less<>> keys_;
};

// Signs as the platform does. For tools and tests that play the platform; the
// gateway itself only verifies.
class Ed25519Signer {
 public:
  // A fresh key pair; public_pem() gives the key to configure on the box.
  [[nodiscard]] static Result<Ed25519Signer> Generate();
  // From a PEM private key (PKCS#8).
  [[nodiscard]] static Result<Ed25519Signer> FromPem(const std::string& private_pem);

  [[nodiscard]] const std::string& public_pem() const { return public_pem_; }
  [[nodiscard]] const std::string& private_pem() const { return private_pem_; }
  // The 64-byte signature of `message`.
  [[nodiscard]] std::string Sign(std::string_view message) const;

 private:
  std::string private_pem_;
  std::string public_pem_;
};

}  // namespace cityedge::control
