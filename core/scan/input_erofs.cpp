// EROFS images as scan inputs: metadata from one tree walk, content read later on demand.
#include <algorithm>
#include <atomic>
#include <iterator>
#include <unordered_map>
#include <utility>

#include "core/erofs/data.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/fingerprint.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/superblock.hpp"
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

// Merges records of one nid (hard links, in walk order) into the first: its paths gain the
// others' paths, the others are dropped.
void merge_hard_links(InputRecord& rec) {
  std::vector<FileRecord>& files = rec.files;
  // Sorted as (nid, index) pairs: comparing through the records missed the cache on every one.
  std::vector<std::pair<u64, u32>> by_nid(files.size());
  for (u32 i = 0; i < by_nid.size(); ++i) by_nid[i] = {files[i].locator, i};
  std::sort(by_nid.begin(), by_nid.end());
  std::vector<bool> drop(files.size(), false);
  bool any = false;
  for (std::size_t i = 0; i < by_nid.size();) {
    std::size_t j = i + 1;
    for (; j < by_nid.size() && by_nid[j].first == by_nid[i].first; ++j) {
      rec.merge_paths(files[by_nid[i].second], files[by_nid[j].second]);
      drop[by_nid[j].second] = any = true;
    }
    i = j;
  }
  if (!any) return;
  std::size_t out = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (drop[i]) continue;
    if (out != i) files[out] = std::move(files[i]);
    ++out;
  }
  files.resize(out);
}

// The overlay's view of an entry of a layer mkfs.erofs --aufs made: a character device 0:0 is a
// whiteout, a directory with trusted.overlay.opaque = "y" is opaque.
void add_tree_entry(const erofs::Image& img, const std::string& path, const erofs::Inode& ino,
                    container::LayerTree& tree) {
  container::TreeEntry e{path, container::EntryKind::other, false};
  if (ino.type == erofs::FileType::dir) {
    e.kind = container::EntryKind::directory;
    if (ino.xattr_isize > 0) {
      const erofs::XattrSet xs = erofs::read_xattrs(img, ino);
      for (const erofs::Xattr& x : xs.items)
        if (x.resolved && x.name == "trusted.overlay.opaque" && x.value.size() == 1 && x.value[0] == 'y') e.opaque = true;
    }
  } else if (ino.type == erofs::FileType::file) {
    e.kind = container::EntryKind::file;
  } else if (ino.type == erofs::FileType::chardev && ino.rdev == 0) {
    e.kind = container::EntryKind::whiteout;
  }
  tree.push_back(std::move(e));
}

}  // namespace

LoadedInput load_erofs(const InputSpec& spec) {
  erofs::OpenOptions open;
  open.devices = spec.devices;
  if (spec.owner)
    return load_erofs_image(std::make_unique<erofs::Image>(spec.bytes, spec.path, open, spec.owner), spec.path, nullptr);
  return load_erofs_image(std::make_unique<erofs::Image>(spec.path, open), spec.path, nullptr);
}

LoadedInput load_erofs_image(std::unique_ptr<erofs::Image> image, const std::string& name, container::LayerTree* tree) {
  const erofs::Image& img = *image;

  LoadedInput out;
  InputRecord& rec = out.record;
  rec.name = name;
  rec.kind = InputKind::erofs;
  rec.block_size = static_cast<u32>(img.block_size());
  // §6.5: the kernel looks for fingerprints only when the image declares ISHARE_XATTRS (and
  // refuses to mount an image whose prefix id is out of range: Image throws for that).
  const std::optional<std::string> fp_name = img.fingerprint_xattr_name();
  rec.ishare = fp_name.has_value();
  rec.fingerprint_xattr = fp_name.value_or("");
  // The image is not hashed as a whole (only files that may share are read): the superblock's
  // UUID is what names it, unless a later step knows a digest (a layer's, the manifest cache's).
  if (const std::string uuid = erofs::uuid_string(img.sb().uuid); !uuid.empty())
    rec.identity = {"uuid:" + uuid, "EROFS superblock UUID (the image file is not hashed)"};
  else
    rec.identity = {"", "none: the superblock has no UUID and the image file is not hashed"};

  // One record per dirent for now; hard links (one nid, several names) are merged after the
  // walk by sorting on nid, which is cheaper than looking every inode up in a map.
  std::vector<u64> empty_nids;
  constexpr u32 k_small_ibody = 256;  // bytes: a fingerprint and a few more xattrs
  std::unordered_map<u64, std::optional<erofs::FingerprintRef>> large_ibody_fingerprints;  // by nid
  // The superblock's inode count bounds the records (growing the vector costs page faults and
  // copies); a hostile count is capped by what the image can hold, and by a million.
  rec.files.reserve(static_cast<std::size_t>(std::min<u64>({img.sb().inos, img.primary().size() / 32, 1 << 20})));
  erofs::walk_tree(img, [&](std::string& path, const erofs::Inode& ino) {
    if (tree) add_tree_entry(img, path, ino, *tree);
    switch (ino.type) {
      case erofs::FileType::dir: ++rec.directories; return;
      case erofs::FileType::symlink: ++rec.symlinks; return;
      case erofs::FileType::file: break;
      default: ++rec.special_files; return;
    }
    if (ino.size == 0) {
      empty_nids.push_back(ino.nid);
      return;
    }
    std::optional<erofs::FingerprintRef> fp;
    if (rec.ishare) {
      // The lookup walks the inode's whole xattr body (up to 256 KiB): a large body is looked
      // up once per inode, not once per name, so hard links cannot multiply the work.
      if (ino.xattr_isize > k_small_ibody) {
        auto [it, fresh] = large_ibody_fingerprints.try_emplace(ino.nid);
        if (fresh) it->second = erofs::find_fingerprint(img, ino);  // may throw: before the path is taken
        fp = it->second;
      } else {
        fp = erofs::find_fingerprint(img, ino);
      }
    }
    FileRecord& f = rec.files.emplace_back();
    f.size = ino.size;
    f.storage = ino.is_compressed() ? Storage::compressed : Storage::uncompressed;
    f.locator = ino.nid;
    if (fp) f.fingerprint = StoredValue{SmallBytes(fp->value), fp->hidden_by_filter};
    rec.add_path(f, path);
  }, {}, erofs::WalkOrder::paths);  // records come out sorted (sort_records checks)
  std::sort(empty_nids.begin(), empty_nids.end());
  rec.empty_files = static_cast<u64>(std::unique(empty_nids.begin(), empty_nids.end()) - empty_nids.begin());
  merge_hard_links(rec);
  sort_records(rec);
  out.source = std::make_unique<ErofsSource>(std::move(image));
  return out;
}

}  // namespace core::scan
