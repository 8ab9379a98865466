// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>
#include <string>

#include "daemon/crypto/crypto.hpp"

namespace cityedge::crypto {
namespace {

std::string FromHex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

// RFC 8032 section 7.1, test 2: a one-byte message.
constexpr std::string_view kRfcPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEAPUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=\n"
    "-----END PUBLIC KEY-----\n";
constexpr std::string_view kRfcMessage = "\x72";
constexpr std::string_view kRfcSignatureHex =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

TEST_CASE("Sha256Hex gives the FIPS 180-2 digests in lowercase hex") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex(std::string("a\0b", 3)) != Sha256Hex("ab"));
}

TEST_CASE("Ed25519Verify accepts the RFC 8032 signature and nothing else") {
  auto key = Ed25519PublicKey::FromPem(kRfcPublicPem);
  REQUIRE(key);
  const std::string signature = FromHex(kRfcSignatureHex);
  CHECK(Ed25519Verify(*key, kRfcMessage, signature));
  CHECK_FALSE(Ed25519Verify(*key, "\x73", signature));
  std::string flipped = signature;
  flipped[10] = static_cast<char>(flipped[10] ^ 0x01);
  CHECK_FALSE(Ed25519Verify(*key, kRfcMessage, flipped));
  CHECK_FALSE(Ed25519Verify(*key, kRfcMessage, signature.substr(0, 63)));
  CHECK_FALSE(Ed25519Verify(*key, kRfcMessage, ""));
  CHECK_FALSE(Ed25519Verify(Ed25519PublicKey(), kRfcMessage, signature));
}

TEST_CASE("A public key that is not PEM or not Ed25519 is refused, saying which") {
  auto garbage = Ed25519PublicKey::FromPem("not a key");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().message() == "not a PEM public key");
  auto p256 = Ed25519PublicKey::FromPem(
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQoi+YfwdZqrZli1XJdc6M9waoQMf\n"
      "pydy3slfx1iw8PkNonVJ7ji+BpRaH8+kGSzUsS3tqtlbgoziry7bYrjfBg==\n"
      "-----END PUBLIC KEY-----\n");
  REQUIRE_FALSE(p256);
  CHECK(p256.error().code() == Code::kInvalidArgument);
  CHECK(p256.error().message().starts_with("not an Ed25519 key"));
}

TEST_CASE("A signer's signatures verify under its public key, and survive a PEM round trip") {
  auto signer = Ed25519Signer::Generate();
  REQUIRE(signer);
  auto key = Ed25519PublicKey::FromPem(signer->public_pem());
  REQUIRE(key);
  const std::string signature = signer->Sign("reboot gw-1");
  CHECK(signature.size() == 64);
  CHECK(Ed25519Verify(*key, "reboot gw-1", signature));
  CHECK_FALSE(Ed25519Verify(*key, "reboot gw-2", signature));

  auto again = Ed25519Signer::FromPem(signer->private_pem());
  REQUIRE(again);
  CHECK(again->public_pem() == signer->public_pem());
  CHECK(again->Sign("x") == signer->Sign("x"));  // Ed25519 signing is deterministic
  CHECK_FALSE(Ed25519Signer::FromPem(std::string(kRfcPublicPem)));
}

}  // namespace
}  // namespace cityedge::crypto
