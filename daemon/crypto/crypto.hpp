// SPDX-License-Identifier: Apache-2.0
// The daemon's cryptography: SHA-256 (config hashes) and Ed25519 (platform
// command signatures). The only code outside the uplink's TLS that includes
// OpenSSL lives in this file's .cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "daemon/core/status.hpp"

namespace cityedge::crypto {

// SHA-256 of `bytes` as 64 lowercase hex digits.
[[nodiscard]] std::string Sha256Hex(std::string_view bytes);

// An Ed25519 public key. Copies share the parsed key.
// THREADING: immutable; use from any thread.
class Ed25519PublicKey {
 public:
  // From PEM SubjectPublicKeyInfo text; fails when it is not PEM or not an
  // Ed25519 key, saying how to make one.
  [[nodiscard]] static Result<Ed25519PublicKey> FromPem(std::string_view pem);

 private:
  friend bool Ed25519Verify(const Ed25519PublicKey& key, std::string_view message,
                            std::string_view signature);
  struct Key;
  std::shared_ptr<const Key> key_;
};

// True when `signature` (64 bytes) is `key`'s Ed25519 signature of `message`.
[[nodiscard]] bool Ed25519Verify(const Ed25519PublicKey& key, std::string_view message,
                                 std::string_view signature);

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
  // The 64-byte signature of `message`; empty if OpenSSL fails.
  [[nodiscard]] std::string Sign(std::string_view message) const;

 private:
  std::string private_pem_;
  std::string public_pem_;
};

}  // namespace cityedge::crypto
