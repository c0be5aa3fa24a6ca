// The retrofit pipeline (format reference §6.8): read and validate everything, hash every
// regular file, plan the new metadata, place it after the image, then write the copy
// atomically. Nothing is written before the whole plan exists, so a corrupt input is refused
// before any output appears.
#include "core/tag/retrofit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/erofs/data.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/fingerprint.hpp"
#include "core/erofs/image.hpp"
#include "core/erofs/ondisk.hpp"
#include "core/erofs/xattr.hpp"
#include "core/tag/atomic_file.hpp"
#include "core/tag/plan.hpp"
#include "core/util/crc32c.hpp"
#include "core/util/error.hpp"

namespace core::tag {

namespace od = erofs::ondisk;
using erofs::Layout;

const char* file_action_name(FileAction a) {
  switch (a) {
    case FileAction::tagged: return "tagged";
    case FileAction::kept: return "kept";
    case FileAction::replaced: return "replaced";
    case FileAction::skipped: return "skipped";
  }
  return "tagged";
}

namespace {

u64 div_up(u64 a, u64 b) { return a / b + (a % b != 0); }
u64 align_up(u64 a, u64 b) { return div_up(a, b) * b; }

void put_le(u8* p, u64 v, int n) {
  for (int i = 0; i < n; ++i) p[i] = u8(v >> (8 * i));
}
u64 get_le(const u8* p, int n) {
  u64 v = 0;
  for (int i = 0; i < n; ++i) v |= u64(p[i]) << (8 * i);
  return v;
}

// The long-prefix table in its on-disk encoding (§4.5): 4-aligned records of u16 length,
// base index, infix.
std::vector<u8> encode_prefix_table(const std::vector<erofs::LongPrefix>& table) {
  std::vector<u8> out;
  for (const auto& p : table) {
    out.resize(align_up(out.size(), 4), 0);
    std::size_t at = out.size();
    out.resize(at + 3 + p.infix.size(), 0);
    put_le(out.data() + at, 1 + p.infix.size(), 2);
    out[at + 2] = p.base_index;
    std::copy(p.infix.begin(), p.infix.end(), out.data() + at + 3);
  }
  out.resize(align_up(out.size(), 4), 0);
  return out;
}

FingerprintName resolve_name(const erofs::Image& img, const RetrofitOptions& opt,
                             std::vector<erofs::LongPrefix>& table) {
  std::string full = opt.xattr_name;
  if (full.empty()) full = img.fingerprint_xattr_name().value_or(k_default_xattr_name);
  if (full.size() > 255 || full.find('\0') != std::string::npos)
    throw UsageError(fmt::format("invalid xattr name '{}' (1 to 255 bytes, no NUL)", full));
  FingerprintName name = split_xattr_name(full);
  if (name.infix.empty()) throw UsageError(fmt::format("invalid xattr name '{}'", full));
  for (std::size_t i = 0; i < table.size(); ++i)
    if (table[i].base_index == name.base_index && table[i].infix == name.infix) {
      name.prefix_id = u8(i);
      return name;
    }
  if (table.size() >= 128) throw Unsupported("the long xattr prefix table is full (128 entries)");
  erofs::LongPrefix p;
  p.base_index = name.base_index;
  p.infix = name.infix;
  p.full = full;
  table.push_back(p);
  name.prefix_id = u8(table.size() - 1);
  return name;
}

// Rewrites the nids in every dirent of a directory's content (§3.1); the names, offsets and
// sizes stay as they are.
void patch_dirents(std::vector<u8>& content, u64 bs, const std::unordered_map<u64, u64>& nids,
                   const erofs::Inode& dir) {
  for (u64 base = 0; base < content.size(); base += bs) {
    const u64 len = std::min<u64>(bs, content.size() - base);
    if (len < 12) break;
    const u64 n = get_le(content.data() + base + 8, 2) / 12;
    for (u64 i = 0; i < n && 12 * i + 12 <= len; ++i) {
      u8* d = content.data() + base + 12 * i;
      auto it = nids.find(get_le(d, 8));
      if (it == nids.end()) {
        Where w;
        w.nid = dir.nid;
        w.detail = fmt::format("lblk {}, index {}", base / bs, i);
        throw CorruptImage("dirent names an inode outside the tree", w);
      }
      put_le(d, it->second, 8);
    }
  }
}

// Chooses where an inode goes, at or after `cursor`: inodes sit on 32-byte slots, and inline
// bytes (tail, ztailpacking pcluster) must not cross a block boundary. The inline bytes start
// at (slot + need), need fixed, so if they do not fit from `cursor` the inode moves to just
// before the next block boundary so that they start at (need mod 32) after it.
bool place(InodePlan& p, u64 cursor, u64 bs) {
  const u64 need = p.core.size() + p.ibody.size() + p.inline_off;
  const u64 s0 = cursor + need;
  if (p.inline_len == 0 || s0 % bs + p.inline_len <= bs) {
    p.new_pos = cursor;
    return true;
  }
  if (need % 32 + p.inline_len > bs) return false;
  const u64 boundary = align_up(s0, bs);
  p.new_pos = boundary + need % 32 - need;
  return true;
}

// Where shared xattrs live: the primary device, or the metabox stream (§4.2).
const util::ByteView& shared_space(const erofs::Image& img) {
  return img.meta_space(img.sb().has_compat(od::k_compat_shared_ea_in_metabox));
}

// The extent of the shared xattr area the inodes use: [xattr_blkaddr * bs, end).
u64 shared_xattr_end(const erofs::Image& img, const std::vector<InodePlan>& plans) {
  const u64 base = img.sb().xattr_blkaddr * img.block_size();
  const util::ByteView& sx = shared_space(img);
  u64 end = base;
  for (const auto& p : plans) {
    if (p.ino.xattr_isize == 0) continue;
    auto ib =
        img.meta_space(p.ino.in_metabox).bytes(p.ino.xattr_pos(), p.ino.xattr_isize, "xattr ibody outside the image");
    for (u64 k = 0; k < ib[4] && 16 + 4 * k <= ib.size(); ++k) {
      const u64 at = base + 4 * get_le(ib.data() + 12 + 4 * k, 4);
      auto h = sx.bytes(at, 4, "shared xattr outside the image");
      end = std::max(end, at + align_up(4 + u64(h[0]) + get_le(h.data() + 2, 2), 4));
    }
  }
  return end;
}

// The output of an already tagged image: a byte copy of the input, or, when the output is the
// input itself (--in-place), nothing at all.
RetrofitReport copy_unchanged(const std::string& input, const std::string& output, const util::ByteView& prim,
                              const RetrofitOptions& opt, RetrofitReport rep) {
  rep.already_tagged = true;
  for (auto& n : rep.notes) n.new_nid = n.nid;  // nothing moved
  std::sort(rep.notes.begin(), rep.notes.end(), [](const FileNote& a, const FileNote& b) { return a.path < b.path; });
  rep.input_bytes = rep.output_bytes = prim.size();
  rep.bytes_written = 0;
  rep.inodes = 0;
  std::error_code ec;
  if (std::filesystem::equivalent(input, output, ec)) return rep;
  int in_fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) throw IoError(input, "open", errno);
  struct stat st {};
  try {
    if (::fstat(in_fd, &st) != 0) throw IoError(input, "stat", errno);
    std::string target = output;
    if (std::filesystem::is_symlink(output, ec)) {
      target = std::filesystem::canonical(output, ec).string();
      if (ec) throw IoError(output, "resolve", ec.value());
    }
    struct stat ost {};
    if (::stat(target.c_str(), &ost) == 0 && !S_ISREG(ost.st_mode))
      throw UsageError(fmt::format("{}: output exists and is not a regular file (the output is written as a new "
                                   "file and renamed into place)",
                                   output));
    AtomicFile out(target, st.st_mode & 07777, opt.checkpoint);
    out.copy_from(in_fd, prim.bytes(0, prim.size()), opt.chunk_size);
    out.commit();
  } catch (...) {
    ::close(in_fd);
    throw;
  }
  ::close(in_fd);
  return rep;
}

// True if every unified range of an extra device starts at or after block `end` (the end of
// the primary file) and no primary-device data address reaches `end`: then the ranges hold no
// byte of the file and can move (see step 5 of rewrite).
bool unified_ranges_movable(const erofs::Image& img, const std::vector<InodePlan>& plans, u64 end) {
  const erofs::SuperInfo& sb = img.sb();
  bool any = false;
  for (const auto& dev : sb.devices) {
    if (dev.uniaddr == 0) continue;
    if (dev.uniaddr < end) return false;
    any = true;
  }
  if (!any) return false;
  for (const auto& p : plans) {
    const erofs::Inode& ino = p.ino;
    if (ino.type != erofs::FileType::file && ino.type != erofs::FileType::dir && ino.type != erofs::FileType::symlink)
      continue;
    if (ino.layout == Layout::flat_plain || ino.layout == Layout::flat_inline) {
      const u64 full = div_up(ino.size, img.block_size()) - (ino.layout == Layout::flat_inline && ino.size ? 1 : 0);
      if (full && !ino.startblk_null && ino.startblk + full > end) return false;
    } else if (ino.layout == Layout::chunk_based) {
      if (!(ino.chunk_format & od::k_chunk_format_indexes)) return false;  // block maps are device 0 only
      const util::ByteView& meta = img.meta_space(ino.in_metabox);
      const unsigned chunkbits = sb.blkszbits + (ino.chunk_format & od::k_chunk_format_blkbits_mask);
      const u64 base = align_up(ino.meta_end(), 8);
      const u64 count = div_up(ino.size, u64(1) << chunkbits);
      const u64 mask = (ino.chunk_format & od::k_chunk_format_48bit) ? (u64(1) << 48) - 1 : 0xFFFFFFFFull;
      const u64 dev_mask = std::bit_ceil(u64(sb.devices.size()) + 1) - 1;
      for (u64 k = 0; k < count; ++k) {
        auto ci = meta.read<od::ChunkIndex>(base + 8 * k, "chunk index outside the image");
        const u64 blk = (u64(u16(ci.startblk_hi)) << 32 | u32(ci.startblk_lo)) & mask;
        if (blk != mask && (u16(ci.device_id) & dev_mask) == 0 && blk + (u64(1) << (chunkbits - sb.blkszbits)) > end)
          return false;
      }
    } else {
      return false;  // compressed data on the primary device: keep the conservative placement
    }
  }
  return true;
}

RetrofitReport rewrite(const std::string& input, const std::string& output, const RetrofitOptions& opt, bool sidecar) {
  RetrofitReport rep;
  erofs::OpenOptions oo;
  oo.devices = opt.devices;
  erofs::Image img(input, oo);
  const erofs::SuperInfo& sb = img.sb();
  const u64 bs = img.block_size();
  const auto& prim = img.primary();
  if (sidecar && !sb.devices.empty())
    throw Unsupported(
        "sidecars of images with extra devices are not supported yet; for a tar index (mkfs.erofs --tar=i), tag "
        "with -o OUT and the tar as --device: OUT is itself a metadata image of the tar");
  if (sidecar && sb.has_incompat(od::k_incompat_48bit))
    throw Unsupported("sidecars of images with 48-bit addresses are not supported yet");
  if (!img.prefix_table_error().empty())
    throw Unsupported("the long xattr prefix table cannot be read: " + img.prefix_table_error());

  // 1. The fingerprint name and the prefix table the output will carry (existing prefixes
  //    keep their indexes, so existing long-prefix entries stay valid).
  std::vector<erofs::LongPrefix> table = img.long_prefixes();
  const FingerprintName name = resolve_name(img, opt, table);
  const bool declared = sb.has_compat(od::k_compat_ishare_xattrs) && table.size() == img.long_prefixes().size() &&
                        sb.ishare_xattr_prefix_id == name.prefix_id;
  rep.xattr_name = name.full;

  // 2. Every inode reachable from the root (root first), then the packed inode.
  std::vector<InodePlan> plans;
  std::unordered_map<u64, std::size_t> by_nid;
  erofs::walk_tree(img, [&](const std::string& path, const erofs::Inode& ino) {
    if (by_nid.count(ino.nid)) return;
    by_nid.emplace(ino.nid, plans.size());
    plans.push_back(plan_inode(img, ino));
    plans.back().path = path;
  });
  if (sb.packed_nid != 0 && !by_nid.count(sb.packed_nid)) {
    by_nid.emplace(sb.packed_nid, plans.size());
    plans.push_back(plan_inode(img, erofs::read_inode(img, sb.packed_nid)));
  }
  rep.inodes = plans.size();

  // 3. Hash every regular non-empty file (in parallel, largest first), then decide: tag,
  //    keep, replace or skip.
  std::vector<std::size_t> todo;
  u64 total = 0;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const erofs::Inode& ino = plans[i].ino;
    if (ino.type != erofs::FileType::file || ino.size == 0 || (sb.packed_nid != 0 && ino.nid == sb.packed_nid))
      continue;
    todo.push_back(i);
    total += ino.size;
  }
  std::sort(todo.begin(), todo.end(),
            [&](std::size_t a, std::size_t b) { return plans[a].ino.size > plans[b].ino.size; });
  std::vector<util::Digest> digests(plans.size());
  std::vector<std::exception_ptr> errors(plans.size());
  {
    std::atomic<std::size_t> next{0};
    std::atomic<u64> hashed{0};
    std::mutex progress_mutex;
    auto worker = [&] {
      for (std::size_t k; (k = next.fetch_add(1)) < todo.size();) {
        const std::size_t i = todo[k];
        try {
          digests[i] = erofs::content_digest(img, plans[i].ino);
        } catch (...) {
          errors[i] = std::current_exception();
        }
        u64 done = hashed.fetch_add(plans[i].ino.size) + plans[i].ino.size;
        if (opt.progress) {
          std::lock_guard<std::mutex> lock(progress_mutex);
          opt.progress(done, total);
        }
      }
    };
    unsigned n = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
    n = unsigned(std::min<std::size_t>(n, std::max<std::size_t>(todo.size(), 1)));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
  }
  std::sort(todo.begin(), todo.end());  // report and fail in tree order
  bool filter_cleared = false;
  u64 no_room = 0;  // skipped because the fingerprint cannot fit: tagging again cannot help
  for (std::size_t i : todo) {
    InodePlan& p = plans[i];
    const erofs::Inode& ino = p.ino;
    if (errors[i]) {
      try {
        std::rethrow_exception(errors[i]);
      } catch (const DataUnavailable& e) {
        ++rep.files_skipped;
        rep.notes.push_back({p.path, ino.nid, 0, FileAction::skipped, e.what()});
        continue;
      } catch (const CorruptImage& e) {
        Where w;
        w.nid = ino.nid;
        w.path = p.path;
        throw e.with(w);
      }
    }
    // The stored fingerprint as the kernel finds it (first matching entry, inline before
    // shared), looked at in place: shared values are not copied per inode.
    std::optional<std::span<const u8>> have;
    const erofs::XattrHeader head = erofs::for_each_xattr(img, ino, [&](const erofs::XattrRef& x) {
      if (!have && x.is(name.base_index, name.infix)) have = x.value;
    });
    rep.content_bytes += ino.size;
    const std::vector<u8> value = erofs::encode_fingerprint(digests[i]);
    if (have && std::equal(have->begin(), have->end(), value.begin(), value.end())) {
      ++rep.files_kept;
      if (erofs::filter_hides(img, head, name.base_index, name.infix)) {
        clear_filter_bit(img, p, name);
        filter_cleared = true;
      }
      continue;
    }
    if (!set_fingerprint(img, p, name, value)) {
      // i_xattr_icount is 16 bits: an ibody already at (or near) 65535 units has no room.
      ++rep.files_skipped;
      ++no_room;
      rep.notes.push_back({p.path, ino.nid, 0, FileAction::skipped,
                           fmt::format("no room for the fingerprint in its xattr body (i_xattr_icount {} of 65535)",
                                       ino.xattr_isize ? (ino.xattr_isize - 12) / 4 + 1 : 0)});
      continue;
    }
    if (have) {
      ++rep.files_replaced;
      std::string why =
          have->size() == erofs::k_fingerprint_size &&
                  std::equal(erofs::k_fingerprint_scheme.begin(), erofs::k_fingerprint_scheme.end(), have->begin())
              ? "stored fingerprint does not match the content"
              : fmt::format("stored value is not a sha256 fingerprint ({} bytes)", have->size());
      rep.notes.push_back({p.path, ino.nid, 0, FileAction::replaced, why});
    } else {
      ++rep.files_tagged;
    }
  }

  // 3b. Already tagged: every fingerprint right, visible, and declared by the superblock.
  //     Re-laying out the metadata would only grow the image; copy it as it is instead.
  if (!sidecar && declared && !filter_cleared && rep.files_tagged == 0 && rep.files_replaced == 0 &&
      rep.files_skipped == no_room)
    return copy_unchanged(input, output, prim, opt, rep);

  // 4. Directories: their content is rewritten with the new nids into new blocks (inline
  //    tails stay inline). Compressed or chunked directories become flat_plain.
  for (auto& p : plans) {
    if (!p.dir) continue;
    p.data = erofs::read_file(img, p.ino, img.limits().max_stream_bytes);
    const u64 nblocks = div_up(p.ino.size, bs);
    if (p.layout == Layout::flat_inline) {
      p.new_blocks = nblocks ? nblocks - 1 : 0;
    } else {
      if (p.layout != Layout::flat_plain) {
        ++rep.dirs_converted;
        p.layout = Layout::flat_plain;
        p.blob.clear();
        p.inline_off = p.inline_len = 0;
      }
      p.new_blocks = nblocks;
    }
  }

  // 4b. Sidecar: file data is referenced on device 1 (the input) by chunk indexes; refused
  //     for compressed files before anything is written.
  if (sidecar)
    for (auto& p : plans) to_device_chunks(img, p);

  // 5. Placement. The new metadata area starts at the first block after the input file:
  //    the prefix table first, then the inodes (root first, so its nid is small), then the
  //    new data blocks (directory blocks, moved tails).
  u64 b0 = div_up(prim.size(), bs);
  // Primary-device addresses inside an extra device's unified range are redirected to that
  // device (§1.6, step 2): the new blocks go after every such range (a hole in the file).
  // Except when the ranges begin past the end of the file and nothing on device 0 points
  // there: a tar index (mkfs --tar=i) whose tar is appended to it for a flat mount. Then the
  // new metadata follows the index and the ranges move behind it, so the output still takes
  // the tar appended (containerd's [index][tar]) as well as the tar as its device.
  const bool move_ranges = !sidecar && unified_ranges_movable(img, plans, b0);
  std::string placed_after = fmt::format("the end of the input ({} blocks)", b0);
  if (!move_ranges)
    for (std::size_t k = 0; k < sb.devices.size(); ++k) {
      const auto& dev = sb.devices[k];
      if (dev.uniaddr == 0 || dev.uniaddr + dev.blocks <= b0) continue;
      b0 = dev.uniaddr + dev.blocks;
      placed_after = fmt::format("the unified range of extra device {} (blocks {} to {}, device table slot at byte "
                                 "{:#x} of the input)",
                                 k + 1, dev.uniaddr, b0,
                                 get_le(prim.bytes(od::k_super_offset + 0x58, 2).data(), 2) * 128 + 128 * k);
    }
  // A sidecar starts from scratch: the superblock block(s), one block for the device table,
  // a copy of the shared xattr area (ids stay valid relative to the new xattr_blkaddr), then
  // the metadata area.
  const u64 sb_len = bs > od::k_super_offset ? bs - od::k_super_offset : bs;
  const u64 hdr_len = align_up(od::k_super_offset + sb_len, bs);
  // Shared xattrs in a metabox are copied out too: the output has no metabox (§4.2).
  const bool copy_shared = sidecar || sb.has_compat(od::k_compat_shared_ea_in_metabox);
  const u64 sx_begin = sb.xattr_blkaddr * bs;
  const u64 sx_end = copy_shared ? shared_xattr_end(img, plans) : sx_begin;
  const u64 sx_blk = sidecar ? hdr_len / bs + 1 : b0;
  if (copy_shared) b0 = sx_blk + div_up(sx_end - sx_begin, bs);
  const u64 meta_base = b0 * bs;
  if (meta_base / 4 > 0xFFFFFFFFull || b0 > 0xFFFFFFFFull)
    throw Unsupported(fmt::format("no room for the new metadata: it would start at block {}, after {}, beyond the "
                                  "32-bit address of the prefix table (16 GiB)",
                                  b0, placed_after));
  const std::vector<u8> table_bytes = encode_prefix_table(table);
  u64 cursor = align_up(meta_base + table_bytes.size(), 32);
  bool chunk_map_added = false;
  for (auto& p : plans) {
    if (!place(p, cursor, bs)) {
      if (p.ino.type != erofs::FileType::file || p.layout != Layout::flat_inline)
        throw Unsupported(fmt::format("inline data of nid {} no longer fits in a block", p.ino.nid));
      move_tail_out(img, p);
      chunk_map_added |= p.layout == Layout::chunk_based;
      ++rep.tails_moved;
      rep.notes.push_back({p.path, p.ino.nid, 0, FileAction::tagged, "inline tail moved to a block of its own"});
      place(p, cursor, bs);
    }
    p.new_nid = (p.new_pos - meta_base) >> od::k_islotbits;
    cursor = align_up(p.new_pos + p.extent(), 32);
  }
  u64 next_blk = div_up(cursor, bs);
  for (auto& p : plans) {
    if (p.new_blocks == 0) continue;
    if (sidecar && p.ino.type == erofs::FileType::file) chunk_map_added = true;
    p.data_blk = next_blk;
    next_blk += p.new_blocks;
  }
  const u64 new_blocks_total = next_blk;
  std::unordered_map<u64, u64> nids;
  for (const auto& p : plans) nids.emplace(p.ino.nid, p.new_nid);
  const InodePlan& root = plans.front();
  const bool root_8b =
      sb.has_incompat(od::k_incompat_48bit) && get_le(prim.bytes(od::k_super_offset + 0x70, 8).data(), 8) != 0;
  if (!root_8b && root.new_nid > 0xFFFF) throw Unsupported("the new root nid does not fit the superblock");
  if (!root_8b && new_blocks_total > 0xFFFFFFFFull) throw Unsupported("image too large for 32-bit block counts");

  // 6. Directory content with new nids, split into new blocks and the inline tail. In a
  for (auto& p : plans) {
    if (p.dir) {
      patch_dirents(p.data, bs, nids, p.ino);
      if (p.layout == Layout::flat_inline) {
        const u64 full = p.new_blocks * bs;
        p.blob.assign(p.data.begin() + full, p.data.end());
        p.data.resize(full);
      }
      p.data.resize(p.new_blocks * bs, 0);
    }
    finish_core(img, p);
  }

  // 7. The new area and superblock.
  std::vector<u8> area((new_blocks_total - b0) * bs, 0);
  std::copy(table_bytes.begin(), table_bytes.end(), area.data());
  for (const auto& p : plans) {
    // The placement above sized the area; a violation here is a bug, never an image's fault.
    const u64 meta_off = p.new_pos - meta_base, data_off = (p.data_blk - b0) * bs;
    if (meta_off + p.extent() > area.size() || (p.new_blocks && data_off + p.data.size() > area.size()))
      throw std::logic_error(fmt::format("tag: nid {} placed outside the new area", p.ino.nid));
    u8* at = area.data() + meta_off;
    // std::copy, not memcpy: an empty vector's data() may be null, which memcpy must not get.
    at = std::copy(p.core.begin(), p.core.end(), at);
    at = std::copy(p.ibody.begin(), p.ibody.end(), at);
    std::copy(p.blob.begin(), p.blob.end(), at);
    if (p.new_blocks) std::copy(p.data.begin(), p.data.end(), area.data() + data_off);
  }
  auto old_sb = prim.bytes(od::k_super_offset, sb_len, "superblock area outside the image");
  std::vector<u8> sbuf(old_sb.begin(), old_sb.end());
  u32 compat = sb.feature_compat | od::k_compat_ishare_xattrs | od::k_compat_plain_xattr_pfx;
  u32 incompat =
      sb.feature_incompat | od::k_incompat_xattr_prefixes | (chunk_map_added ? od::k_incompat_chunked_file : 0);
  put_le(&sbuf[0x08], compat, 4);
  put_le(&sbuf[0x50], incompat, 4);
  put_le(&sbuf[0x24], new_blocks_total & 0xFFFFFFFFull, 4);
  put_le(&sbuf[0x28], b0, 4);
  if (root_8b) {
    put_le(&sbuf[0x70], root.new_nid, 8);
    put_le(&sbuf[0x0E], new_blocks_total >> 32, 2);
  } else {
    put_le(&sbuf[0x0E], root.new_nid, 2);
  }
  sbuf[0x5B] = u8(table.size());
  put_le(&sbuf[0x5C], meta_base / 4, 4);
  if (sb.packed_nid != 0) put_le(&sbuf[0x60], plans[by_nid.at(sb.packed_nid)].new_nid, 8);
  sbuf[0x69] = name.prefix_id;
  if (sb.has_incompat(od::k_incompat_metabox)) {
    // Every inode now lives in the plain area: the metabox is no longer referenced (§2.10).
    put_le(&sbuf[0x50], get_le(&sbuf[0x50], 4) & ~od::k_incompat_metabox, 4);
    put_le(&sbuf[0x80], 0, 8);
  }
  if (copy_shared && sx_end > sx_begin) put_le(&sbuf[0x2C], sx_blk, 4);
  if (sb.has_compat(od::k_compat_shared_ea_in_metabox))
    put_le(&sbuf[0x08], get_le(&sbuf[0x08], 4) & ~od::k_compat_shared_ea_in_metabox, 4);
  std::vector<u8> devt;
  if (sidecar) {
    // One device, the input, addressed by device id 1 only (uniaddr 0: unmapped, §1.6).
    put_le(&sbuf[0x50], get_le(&sbuf[0x50], 4) | od::k_incompat_device_table | od::k_incompat_chunked_file, 4);
    put_le(&sbuf[0x56], 1, 2);
    put_le(&sbuf[0x58], hdr_len / 128, 2);
    devt.assign(bs, 0);
    std::string tag = std::filesystem::path(input).filename().string().substr(0, 63);
    std::copy(tag.begin(), tag.end(), devt.data());
    put_le(&devt[0x40], sb.blocks, 4);
  }
  // Moved unified ranges: same order and gaps, starting at the new end of the primary device.
  std::vector<std::pair<u64, std::vector<u8>>> slot_writes;
  if (move_ranges) {
    const bool is48 = sb.has_incompat(od::k_incompat_48bit);
    u64 first = ~u64(0);
    for (const auto& dev : sb.devices)
      if (dev.uniaddr != 0) first = std::min(first, dev.uniaddr);
    const u64 slots = get_le(prim.bytes(od::k_super_offset + 0x58, 2).data(), 2) * 128;
    for (std::size_t k = 0; k < sb.devices.size(); ++k) {
      const auto& dev = sb.devices[k];
      if (dev.uniaddr == 0) continue;
      const u64 uni = dev.uniaddr - first + new_blocks_total;
      if (uni > (is48 ? (u64(1) << 48) - 1 : 0xFFFFFFFFull))
        throw Unsupported(fmt::format("unified address of extra device {} beyond {} bits", k + 1, is48 ? 48 : 32));
      std::vector<u8> field(is48 ? 8 : 4, 0);
      put_le(field.data(), uni & 0xFFFFFFFFull, 4);
      if (is48) {  // uniaddr_hi at 0x4A; 0x48 (blocks_hi) is kept
        auto hi = prim.bytes(slots + 128 * k + 0x48, 2, "device table slot outside the image");
        field[4] = hi[0], field[5] = hi[1];
        put_le(field.data() + 6, uni >> 32, 2);
      }
      const u64 at = slots + 128 * k + 0x44;
      if (at >= od::k_super_offset && at + field.size() <= od::k_super_offset + sbuf.size())
        std::copy(field.begin(), field.end(), sbuf.begin() + (at - od::k_super_offset));
      else
        slot_writes.emplace_back(at, std::move(field));
    }
  }
  put_le(&sbuf[0x04], 0, 4);
  if (compat & od::k_compat_sb_chksum) {
    // §1.4: CRC-32C from ~0, no final inversion, checksum field as zero.
    put_le(&sbuf[0x04], util::crc32c_update(~0u, sbuf), 4);
  }

  // 8. Write: copy, new area, superblock; check the copy reads back; commit.
  // The output replaces its path by rename(): never do that to a device node or directory,
  // and replace what a symlink points to rather than the link (--in-place on a link).
  std::string target = output;
  std::error_code ec;
  if (std::filesystem::is_symlink(output, ec)) {
    target = std::filesystem::canonical(output, ec).string();
    if (ec) throw IoError(output, "resolve", ec.value());
  }
  struct stat ost {};
  if (::stat(target.c_str(), &ost) == 0 && !S_ISREG(ost.st_mode))
    throw UsageError(fmt::format("{}: output exists and is not a regular file (the output is written as a new file "
                                 "and renamed into place)",
                                 output));
  struct stat st {};
  int in_fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) throw IoError(input, "open", errno);
  if (::fstat(in_fd, &st) != 0) {
    int err = errno;
    ::close(in_fd);
    throw IoError(input, "stat", err);
  }
  try {
    AtomicFile out(target, st.st_mode & 07777, opt.checkpoint);
    erofs::OpenOptions co = oo;
    if (sidecar) {
      out.write_at(0, prim.bytes(0, hdr_len, "superblock area outside the image"), opt.chunk_size);
      out.write_at(hdr_len, devt, opt.chunk_size);

      co.devices.insert(co.devices.begin(), input);
    } else {
      out.copy_from(in_fd, prim.bytes(0, prim.size()), opt.chunk_size);
    }
    if (sx_end > sx_begin)
      out.write_at(sx_blk * bs, shared_space(img).bytes(sx_begin, sx_end - sx_begin), opt.chunk_size);
    out.write_at(meta_base, area, opt.chunk_size);
    out.write_at(od::k_super_offset, sbuf, opt.chunk_size);
    for (const auto& [at, field] : slot_writes) out.write_at(at, field, opt.chunk_size);
    // Read the new image back (each inode once, however many names it has). A failure here
    // is in what this run wrote, not in the input: say so, without the temporary file's
    // offsets passing for the input's.
    try {
      erofs::Image check(out.temp_path(), co);
      std::unordered_set<u64> seen;
      erofs::walk_tree(check, [&](const std::string&, const erofs::Inode& ino) {
        if (seen.insert(ino.nid).second) (void)erofs::for_each_xattr(check, ino, [](const erofs::XattrRef&) {});
      });
    } catch (const Error& e) {
      throw Unsupported(fmt::format("the tagged image written for this input does not read back ({}); nothing was "
                                    "written, please report this",
                                    e.what()));
    }
    out.commit();
  } catch (...) {
    ::close(in_fd);
    throw;
  }
  ::close(in_fd);
  rep.input_bytes = prim.size();
  rep.output_bytes = new_blocks_total * bs;
  rep.bytes_written = sidecar ? new_blocks_total * bs : area.size() + sbuf.size();
  std::sort(rep.notes.begin(), rep.notes.end(), [](const FileNote& a, const FileNote& b) { return a.path < b.path; });
  for (auto& n : rep.notes) n.new_nid = by_nid.count(n.nid) ? plans[by_nid.at(n.nid)].new_nid : 0;
  return rep;
}

}  // namespace

RetrofitReport retrofit(const std::string& input, const std::string& output, const RetrofitOptions& opt) {
  return rewrite(input, output, opt, false);
}

RetrofitReport make_sidecar(const std::string& input, const std::string& meta, const RetrofitOptions& opt) {
  return rewrite(input, meta, opt, true);
}

}  // namespace core::tag
