#include "core/erofs/fingerprint.hpp"

#include <algorithm>
#include <cstring>

#include "core/erofs/data.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"

namespace core::erofs {

std::vector<u8> encode_fingerprint(const util::Digest& digest) {
  std::vector<u8> v(k_fingerprint_size);
  std::copy(k_fingerprint_scheme.begin(), k_fingerprint_scheme.end(), v.begin());
  std::copy(digest.begin(), digest.end(), v.begin() + static_cast<std::ptrdiff_t>(k_fingerprint_scheme.size()));
  return v;
}

const char* fingerprint_state_name(FingerprintState state) {
  switch (state) {
    case FingerprintState::none: return "none";
    case FingerprintState::valid: return "valid";
    case FingerprintState::invalid: return "invalid";
  }
  return "none";
}

StoredFingerprint stored_fingerprint(const Image& img, const XattrSet& xattrs) {
  StoredFingerprint fp;
  const SuperInfo& sb = img.sb();
  if (!sb.has_compat(ondisk::k_compat_ishare_xattrs) || sb.ishare_xattr_prefix_id >= img.long_prefixes().size())
    return fp;
  // §6.1: the fingerprint is the xattr whose full name equals the whole long prefix.
  const LongPrefix& p = img.long_prefixes()[sb.ishare_xattr_prefix_id];
  const Xattr* x = find_xattr(xattrs, p.base_index, p.infix);
  if (!x) return fp;
  fp.raw = x->value;
  fp.hidden_by_filter = filter_hides(img, xattrs, p.base_index, p.infix);
  if (fp.raw.size() == k_fingerprint_size &&
      std::equal(k_fingerprint_scheme.begin(), k_fingerprint_scheme.end(), fp.raw.begin())) {
    fp.state = FingerprintState::valid;
    std::memcpy(fp.digest.data(), fp.raw.data() + k_fingerprint_scheme.size(), fp.digest.size());
  } else {
    fp.state = FingerprintState::invalid;
  }
  return fp;
}

std::optional<FingerprintRef> find_fingerprint(const Image& img, const Inode& ino) {
  const SuperInfo& sb = img.sb();
  if (!sb.has_compat(ondisk::k_compat_ishare_xattrs) || sb.ishare_xattr_prefix_id >= img.long_prefixes().size())
    return std::nullopt;
  const LongPrefix& p = img.long_prefixes()[sb.ishare_xattr_prefix_id];
  std::optional<FingerprintRef> found;
  XattrHeader head = for_each_xattr(img, ino, [&](const XattrRef& x) {
    if (!found && x.is(p.base_index, p.infix)) found = FingerprintRef{x.value, false};
  });
  if (found) found->hidden_by_filter = filter_hides(img, head, p.base_index, p.infix);
  return found;
}

util::Digest content_digest(const Image& img, const Inode& ino) {
  util::Sha256 h;
  stream_file(img, ino, [&](std::span<const u8> piece) { h.update(piece); });
  return h.finish();
}

}  // namespace core::erofs
