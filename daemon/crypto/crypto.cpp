// SPDX-License-Identifier: Apache-2.0
#include "daemon/crypto/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>

namespace cityedge::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Bio MemoryBio(std::string_view text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string PemOf(EVP_PKEY* pkey, bool private_key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return {};
  const int ok =
      private_key ? PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
                  : PEM_write_bio_PUBKEY(bio.get(), pkey);
  if (ok != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Pkey ReadPrivateKey(std::string_view pem) {
  Bio bio = MemoryBio(pem);
  if (bio == nullptr) return nullptr;
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr || EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) return nullptr;
  return pkey;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // Fails only when OpenSSL cannot allocate, which is no state to go on from.
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kDigits[digest[i] >> 4]);
    hex.push_back(kDigits[digest[i] & 0xf]);
  }
  return hex;
}

struct Ed25519PublicKey::Key {
  Pkey pkey;
};

Result<Ed25519PublicKey> Ed25519PublicKey::FromPem(std::string_view pem) {
  Bio bio = MemoryBio(pem);
  if (bio == nullptr) return MakeError(Code::kResourceExhausted, "out of memory");
  Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr) return MakeError(Code::kInvalidArgument, "not a PEM public key");
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return MakeError(Code::kInvalidArgument,
                     "not an Ed25519 key (create one with: openssl genpkey -algorithm ed25519)");
  }
  Ed25519PublicKey key;
  key.key_ = std::make_shared<const Key>(Key{std::move(pkey)});
  return key;
}

bool Ed25519Verify(const Ed25519PublicKey& key, std::string_view message,
                   std::string_view signature) {
  if (key.key_ == nullptr || signature.size() != 64) return false;
  MdCtx ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return false;
  // Ed25519 is a one-shot scheme: no digest is named and the whole message is
  // passed at once.
  return EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.key_->pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                          message.size()) == 1;
}

Result<Ed25519Signer> Ed25519Signer::Generate() {
  Pkey pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (pkey == nullptr) return MakeError(Code::kInternal, "Ed25519 key generation failed");
  Ed25519Signer signer;
  signer.private_pem_ = PemOf(pkey.get(), true);
  signer.public_pem_ = PemOf(pkey.get(), false);
  return signer;
}

Result<Ed25519Signer> Ed25519Signer::FromPem(const std::string& private_pem) {
  Pkey pkey = ReadPrivateKey(private_pem);
  if (pkey == nullptr) return MakeError(Code::kInvalidArgument, "not a PEM Ed25519 private key");
  Ed25519Signer signer;
  signer.private_pem_ = private_pem;
  signer.public_pem_ = PemOf(pkey.get(), false);
  return signer;
}

std::string Ed25519Signer::Sign(std::string_view message) const {
  Pkey pkey = ReadPrivateKey(private_pem_);
  MdCtx ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  std::size_t size = signature.size();
  const bool ok = pkey != nullptr && ctx != nullptr &&
                  EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
                  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()),
                                 &size, Bytes(message), message.size()) == 1;
  if (!ok) return {};
  signature.resize(size);
  return signature;
}

}  // namespace cityedge::crypto
