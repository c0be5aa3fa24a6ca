// An opened EROFS image: the mapped primary device, extra devices, the decoded superblock and
// the long xattr prefix table. Every reader function takes an Image explicitly.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/erofs/inode.hpp"
#include "core/erofs/superblock.hpp"
#include "core/util/byte_view.hpp"
#include "core/util/mapped_file.hpp"

namespace core::erofs {

// Safety limits applied while reading untrusted images.
struct ReadLimits {
  u64 max_hole_bytes = u64(64) << 30;   // zeros one file may expand to through holes; also the
                                        // image-wide budget for holes plus re-read shared blocks
  u64 max_dir_bytes_factor = 16;        // compressed directory bytes walked <= factor * image
                                        // size + 64 MiB (stored directories: <= image + 1 MiB)
  u64 max_stream_bytes = u64(1) << 30;  // metadata streams held in memory (metabox, packed);
                                        // also <= max_dir_bytes_factor * image size + 1 MiB
  u64 max_path_bytes = 4096;            // longest path a tree walk builds (PATH_MAX): deeper
                                        // entries are an error naming their nid
};

struct OpenOptions {
  std::vector<std::string> devices;  // extra device files, in device-table order
  ReadLimits limits;
  // Open images the kernel would refuse (checksum, unknown incompat bits, ishare prefix id)
  // so the caller can report those itself (lint); see parse_superblock.
  bool lenient_superblock = false;
};

// A long xattr name prefix (§4.5).
struct LongPrefix {
  u8 base_index = 0;
  std::string infix;
  std::string full;  // short prefix of base_index + infix
};

struct ZState;  // compressed-reader state, core/erofs/zdata.cpp

class Image {
public:
  // Opens and validates `path`. Throws IoError, CorruptImage or Unsupported.
  Image(const std::string& path, const OpenOptions& options = {});
  // Opens an image held in memory (tests, fuzzing); `bytes` must outlive the Image and `name`
  // stands in for the path. Throws like the path constructor.
  Image(std::span<const u8> bytes, std::string name, const OpenOptions& options = {});
  // The same for bytes `owner` keeps alive (an expanded Android sparse image, core/android).
  Image(std::span<const u8> bytes, std::string name, const OpenOptions& options, std::shared_ptr<const void> owner);
  ~Image();
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;

  const std::string& path() const { return m_path; }
  const SuperInfo& sb() const { return m_sb; }
  const ReadLimits& limits() const { return m_limits; }
  u64 block_size() const { return m_sb.block_size; }

  // The primary device.
  const util::ByteView& primary() const { return m_primary; }
  // The space metadata of `in_metabox` inodes lives in (primary or the metabox stream).
  const util::ByteView& meta_space(bool in_metabox) const;
  // Extra device `k` (1-based) if the user supplied it.
  const util::ByteView* device(unsigned k) const;

  Inode root() const { return read_inode(*this, m_sb.root_nid); }

  const std::vector<LongPrefix>& long_prefixes() const { return m_prefixes; }
  // Non-empty if the prefix table could not be read (e.g. stored in a compressed packed inode).
  const std::string& prefix_table_error() const { return m_prefix_error; }
  // Full name of the fingerprint xattr if the image declares ISHARE_XATTRS.
  std::optional<std::string> fingerprint_xattr_name() const;
  // State shared by compressed reads (compression config, packed-inode cache); nullptr for
  // images that cannot hold compressed inodes.
  ZState* zstate() const { return m_zstate.get(); }

  // Image-wide work budget (§7: bound total work): counts `zeros` bytes of holes and `stored`
  // bytes read from the devices. Throws CorruptImage at `where` once the holes plus what was
  // read beyond the stored size exceed ReadLimits::max_hole_bytes, so many files cannot
  // multiply the per-file limit. Thread-safe. Every 32 MiB of `stored` bytes it also drops
  // the mapped pages of earlier reads (ByteView::release), so data reads of all files together
  // keep the resident set bounded with one release call, not one per file.
  void charge(u64 zeros, u64 stored, const Where& where) const;
  // The most bytes of one metadata stream (metabox, packed inode) held in memory:
  // ReadLimits::max_stream_bytes, and at most max_dir_bytes_factor times the image plus 1 MiB.
  u64 stream_limit() const;

private:
  void open(const OpenOptions& options);
  void load_metabox();
  void load_prefix_table();

  std::string m_path;
  ReadLimits m_limits;
  std::unique_ptr<util::MappedFile> m_file;
  std::shared_ptr<const void> m_owner;
  std::vector<std::unique_ptr<util::MappedFile>> m_device_files;
  util::ByteView m_primary;
  std::vector<util::ByteView> m_devices;
  SuperInfo m_sb;
  std::vector<u8> m_metabox_data;
  util::ByteView m_metabox;
  std::vector<LongPrefix> m_prefixes;
  std::string m_prefix_error;
  std::shared_ptr<ZState> m_zstate;
  mutable std::atomic<u64> m_zeros{0};   // see charge()
  mutable std::atomic<u64> m_stored{0};
};

// If the primary device is `size` bytes but the superblock declares more blocks: "image is
// truncated: 2,000,000 bytes, the superblock declares 1,386 blocks (5,677,056 bytes)". The
// kernel still mounts such an image (reads past the end fail), so it is not refused; Image
// appends this note to every out-of-bounds error of the primary device.
std::optional<std::string> truncation_note(u64 size, const SuperInfo& sb);

// Short xattr prefix of a built-in name index ("user.", ...); nullptr if unknown.
const char* short_xattr_prefix(u8 index);

}  // namespace core::erofs
