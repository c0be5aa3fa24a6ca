// EROFS images as scan inputs: metadata from one tree walk, content read later on demand.
#include <atomic>
#include <unordered_map>

#include "core/erofs/data.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/fingerprint.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/xattr.hpp"
#include "core/scan/inputs.hpp"

namespace core::scan {

namespace {

class ErofsSource : public Source {
public:
  explicit ErofsSource(std::unique_ptr<erofs::Image> image) : m_image(std::move(image)) {}

  util::Digest digest(const FileRecord& f, ReadCounters& counters) const override {
    const erofs::Inode ino = erofs::read_inode(*m_image, f.locator);
    util::Sha256 h;
    erofs::stream_file(*m_image, ino, [&](std::span<const u8> piece) {
      h.update(piece);
      counters.bytes += piece.size();
    });
    // Inline tails and small files live in metadata pages that stream_file does not drop.
    if (++m_digests % 8192 == 0) m_image->primary().release(0, m_image->primary().size());
    return h.finish();
  }

private:
  std::unique_ptr<erofs::Image> m_image;
  mutable std::atomic<u64> m_digests{0};
};

}  // namespace

LoadedInput load_erofs(const InputSpec& spec) {
  erofs::OpenOptions open;
  open.devices = spec.devices;
  auto image = std::make_unique<erofs::Image>(spec.path, open);
  const erofs::Image& img = *image;

  LoadedInput out;
  InputRecord& rec = out.record;
  rec.name = spec.path;
  rec.kind = InputKind::erofs;
  rec.block_size = static_cast<u32>(img.block_size());
  // §6.5: the kernel looks for fingerprints only when the image declares ISHARE_XATTRS (and
  // refuses to mount an image whose prefix id is out of range: Image throws for that).
  const std::optional<std::string> fp_name = img.fingerprint_xattr_name();
  rec.ishare = fp_name.has_value();
  rec.fingerprint_xattr = fp_name.value_or("");

  std::unordered_map<u64, std::size_t> by_nid;  // hard links: one record per inode
  std::unordered_map<u64, bool> empty_seen;
  erofs::walk_tree(img, [&](const std::string& path, const erofs::Inode& ino) {
    switch (ino.type) {
      case erofs::FileType::dir: ++rec.directories; return;
      case erofs::FileType::symlink: ++rec.symlinks; return;
      case erofs::FileType::file: break;
      default: ++rec.special_files; return;
    }
    if (ino.size == 0) {
      if (empty_seen.emplace(ino.nid, true).second) ++rec.empty_files;
      return;
    }
    auto [it, fresh] = by_nid.try_emplace(ino.nid, rec.files.size());
    if (!fresh) {
      rec.files[it->second].paths.push_back(path);
      return;
    }
    FileRecord f;
    f.paths = {path};
    f.size = ino.size;
    f.storage = ino.is_compressed() ? Storage::compressed : Storage::uncompressed;
    f.locator = ino.nid;
    if (rec.ishare) {
      erofs::StoredFingerprint fp = erofs::stored_fingerprint(img, erofs::read_xattrs(img, ino));
      if (fp.state != erofs::FingerprintState::none) f.fingerprint = StoredValue{std::move(fp.raw), fp.hidden_by_filter};
    }
    rec.files.push_back(std::move(f));
  });
  sort_records(rec);
  out.source = std::make_unique<ErofsSource>(std::move(image));
  return out;
}

}  // namespace core::scan
