// Android inputs: telling sparse images, super.img and zips apart, and turning each into the
// EROFS images it holds. The bytes are never written to disk: a raw file is mapped, a sparse
// file expanded in memory (sparse.cpp), a partition is a slice of the super image when it is one
// extent (always, for images lpmake writes) and else assembled in an anonymous region.
#include "core/android/inputs.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/android/lp.hpp"
#include "core/android/sparse.hpp"
#include "core/android/zip.hpp"
#include "core/util/error.hpp"
#include "core/util/input_file.hpp"
#include "core/util/mapped_file.hpp"

namespace core::android {

namespace {

constexpr u32 k_erofs_magic = 0xE0F5E1E2;

bool is_erofs(std::span<const u8> b) {
  if (b.size() < 1028) return false;
  u32 m;
  std::memcpy(&m, b.data() + 1024, 4);
  return m == k_erofs_magic;
}

// An anonymous read-only region a partition of several extents is assembled in.
class Region {
public:
  Region(u64 size, const std::string& what) : m_size(size) {
    if (size == 0) return;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw IoError(what, "mmap (assemble a partition)", errno);
    m_data = static_cast<u8*>(p);
  }
  ~Region() {
    if (m_data) ::munmap(m_data, m_size);
  }
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
  u8* data() { return m_data; }
  void seal() {
    if (m_data) ::mprotect(m_data, m_size, PROT_READ);
  }
  std::span<const u8> bytes() const { return {m_data, static_cast<std::size_t>(m_size)}; }

private:
  u8* m_data = nullptr;
  u64 m_size = 0;
};

// The super device's bytes and what keeps them alive.
struct Whole {
  std::span<const u8> bytes;
  std::shared_ptr<const void> owner;
};

Whole open_whole(const std::string& path, bool sparse, const Limits& limits) {
  if (sparse) {
    SparseLimits sl;
    sl.max_image_bytes = limits.max_image_bytes;
    sl.max_fill_bytes = limits.max_fill_bytes;
    auto s = std::make_shared<SparseImage>(path, sl);
    const auto b = s->bytes();
    return {b, std::move(s)};
  }
  auto f = std::make_shared<util::MappedFile>(path);
  const auto b = f->view().bytes(0, f->size());
  return {b, std::move(f)};
}

void add_partitions(const std::string& path, const Whole& whole, const Limits& limits, Opened& out,
                    const std::string& only) {
  const util::ByteView super(whole.bytes.data(), whole.bytes.size());
  const LpMetadata md = read_lp_metadata(super);
  for (const LpPartition& p : md.partitions) {
    const std::string name = path + ":" + p.name;
    if (!only.empty() && name != only) continue;
    if (p.extents.empty() || p.size == 0) {
      out.skipped.push_back({name, "an empty partition (no extents)"});
      continue;
    }
    if (p.size > limits.max_image_bytes)
      throw CorruptImage(fmt::format("super: partition {} is {} bytes, more than the limit {}", p.name, p.size,
                                     limits.max_image_bytes),
                         {});
    Member m;
    m.name = name;
    if (p.extents.size() == 1 && !p.extents[0].zero) {
      m.bytes = whole.bytes.subspan(p.extents[0].device_offset, p.extents[0].bytes);
      m.owner = whole.owner;
    } else {
      // Several extents (a partition grown by an update): copied in order, zero extents left as
      // the region's zeros. Memory: the partition's size, at most the super image's.
      auto region = std::make_shared<Region>(p.size, name);
      u64 at = 0;
      for (const LpExtent& e : p.extents) {
        if (!e.zero) std::memcpy(region->data() + at, whole.bytes.data() + e.device_offset, e.bytes);
        at += e.bytes;
      }
      region->seal();
      m.bytes = region->bytes();
      m.owner = std::shared_ptr<const void>(region, region.get());
    }
    if (!is_erofs(m.bytes)) {
      out.skipped.push_back({name, "not an EROFS image (no EROFS magic at byte 1024)"});
      continue;
    }
    out.members.push_back(std::move(m));
  }
}

}  // namespace

Kind detect(const std::string& path) {
  util::InputFd in(path);
  u8 head[8192 + 4] = {};
  std::size_t got = 0;
  while (got < sizeof(head)) {
    ssize_t n = ::pread(in.get(), head + got, sizeof(head) - got, off_t(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, "read", errno);
    if (n == 0) break;
    got += std::size_t(n);
  }
  u32 m0 = 0, m4096 = 0, m8192 = 0;
  if (got >= 4) std::memcpy(&m0, head, 4);
  if (got >= 4100) std::memcpy(&m4096, head + 4096, 4);
  if (got >= 8196) std::memcpy(&m8192, head + 8192, 4);  // the backup geometry
  if (m0 == k_sparse_magic) return Kind::sparse;
  if (m4096 == k_lp_geometry_magic || m8192 == k_lp_geometry_magic) return Kind::super;
  if (m0 == k_zip_local_magic && zip_has_android_images(path)) return Kind::zip;
  return Kind::none;
}

Opened open_android(const std::string& path, const Limits& limits, const std::string& only) {
  Opened out;
  out.path = path;
  out.kind = detect(path);
  switch (out.kind) {
    case Kind::none:
      throw UsageError(path + ": not an Android sparse image, super.img or zip of images");
    case Kind::sparse: {
      // A sparse file is either an EROFS image or a super.img: its expanded bytes tell.
      Whole whole = open_whole(path, true, limits);
      const util::ByteView view(whole.bytes.data(), whole.bytes.size());
      if (has_lp_geometry(view)) {
        out.kind = Kind::super;
        add_partitions(path, whole, limits, out, only);
      } else {
        out.members.push_back({path, whole.bytes, whole.owner});
      }
      return out;
    }
    case Kind::super:
      add_partitions(path, open_whole(path, false, limits), limits, out, only);
      return out;
    case Kind::zip:
      add_zip_members(path, limits, out, only);
      return out;
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> split_member(const std::string& text) {
  std::error_code ec;
  if (std::filesystem::exists(text, ec)) return std::nullopt;
  for (std::size_t colon = text.find(':'); colon != std::string::npos; colon = text.find(':', colon + 1)) {
    const std::string file = text.substr(0, colon);
    if (file.empty() || !std::filesystem::is_regular_file(file, ec)) continue;
    if (detect(file) != Kind::none) return std::make_pair(file, text.substr(colon + 1));
  }
  return std::nullopt;
}

std::unique_ptr<erofs::Image> open_image(const std::string& text, const erofs::OpenOptions& options) {
  std::string file = text, member;
  bool chosen = false;
  if (auto split = split_member(text)) {
    file = split->first;
    member = split->second;
    chosen = true;
  }
  if (!chosen && detect(file) == Kind::none) return std::make_unique<erofs::Image>(file, options);
  Opened opened = open_android(file, {}, chosen ? file + ":" + member : std::string());
  std::vector<std::string> names;
  for (const Member& m : opened.members) names.push_back(m.name.substr(m.name.starts_with(file + ":") ? file.size() + 1 : 0));
  const Member* pick = nullptr;
  if (opened.kind == Kind::sparse && !chosen) {
    pick = &opened.members.at(0);
  } else if (chosen) {
    for (const Member& m : opened.members)
      if (m.name == file + ":" + member) pick = &m;
    if (!pick) {
      for (const Skipped& s : opened.skipped)
        if (s.name == file + ":" + member) throw UsageError(s.reason);
      names.clear();  // opened again, whole, to list what there is
      for (const Member& m : open_android(file).members) names.push_back(m.name.substr(file.size() + 1));
      throw UsageError(fmt::format("no EROFS image {} in it (it has: {})", member, fmt::join(names, ", ")));
    }
  } else if (opened.members.size() == 1) {
    pick = &opened.members[0];
  } else if (opened.members.empty()) {
    throw UsageError("no EROFS image in it");
  } else {
    throw UsageError(fmt::format("{} EROFS images, name one as {}:NAME ({})", names.size(), file, fmt::join(names, ", ")));
  }
  return std::make_unique<erofs::Image>(pick->bytes, pick->name, options, pick->owner);
}

}  // namespace core::android
