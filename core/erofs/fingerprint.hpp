// Page-cache-sharing fingerprints: the value mkfs.erofs 1.9 writes, and how to read it back.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/erofs/inode.hpp"
#include "core/erofs/xattr.hpp"
#include "core/util/sha256.hpp"

namespace core::erofs {

class Image;

inline constexpr std::string_view k_fingerprint_scheme = "sha256:";
inline constexpr std::size_t k_fingerprint_size = 39;  // "sha256:" + 32 raw digest bytes

// The 39-byte value mkfs.erofs --xattr-inode-digest stores for `digest`.
std::vector<u8> encode_fingerprint(const util::Digest& digest);

enum class FingerprintState { none, valid, invalid };
const char* fingerprint_state_name(FingerprintState state);  // "none", "valid", "invalid"

struct StoredFingerprint {
  FingerprintState state = FingerprintState::none;
  util::Digest digest{};       // when valid
  std::vector<u8> raw;         // the stored value, whatever its format
  bool hidden_by_filter = false;  // the kernel's bloom filter would skip the lookup
};

// The fingerprint xattr of `inode` as the kernel would look it up (name from the superblock's
// ishare_xattr_prefix_id). State none if the image has no ISHARE feature or no such xattr.
StoredFingerprint stored_fingerprint(const Image& image, const XattrSet& xattrs);

// The fingerprint value of `inode` as the kernel's lookup finds it, read without copying (a
// view into the image) after validating every xattr like read_xattrs. std::nullopt if the image
// has no ISHARE feature or the inode no such xattr.
struct FingerprintRef {
  std::span<const u8> value;
  bool hidden_by_filter = false;
};
std::optional<FingerprintRef> find_fingerprint(const Image& image, const Inode& inode);

// SHA-256 over exactly i_size bytes of content, holes as zeros. Throws like stream_file.
util::Digest content_digest(const Image& image, const Inode& inode);

}  // namespace core::erofs
