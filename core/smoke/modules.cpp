#include "core/smoke/modules.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>
#include <lzma.h>
#include <zstd.h>

#include "core/util/error.hpp"

namespace core::smoke {

namespace {

constexpr u64 k_max_module = u64(256) << 20;

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::vector<u8> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "open", errno ? errno : ENOENT);
  std::vector<u8> data;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.insert(data.end(), buf, buf + in.gcount());
    if (data.size() > k_max_module) throw UsageError(fmt::format("{}: module larger than 256 MiB", path));
  }
  return data;
}

std::vector<u8> unxz(const std::vector<u8>& in, const std::string& path) {
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&s, k_max_module, LZMA_CONCATENATED) != LZMA_OK)
    throw UsageError(fmt::format("{}: cannot start the xz decoder", path));
  std::vector<u8> out;
  u8 buf[1 << 16];
  s.next_in = in.data();
  s.avail_in = in.size();
  lzma_ret r = LZMA_OK;
  while (r == LZMA_OK) {
    s.next_out = buf;
    s.avail_out = sizeof buf;
    r = lzma_code(&s, LZMA_FINISH);
    out.insert(out.end(), buf, buf + (sizeof buf - s.avail_out));
    if (out.size() > k_max_module) r = LZMA_MEMLIMIT_ERROR;
  }
  lzma_end(&s);
  if (r != LZMA_STREAM_END)
    throw UsageError(fmt::format("{}: corrupt xz data (liblzma error {})", path, static_cast<int>(r)));
  return out;
}

std::vector<u8> unzstd(const std::vector<u8>& in, const std::string& path) {
  ZSTD_DStream* d = ZSTD_createDStream();
  std::vector<u8> out;
  u8 buf[1 << 16];
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t r = 1;
  while (ib.pos < ib.size || r != 0) {
    ZSTD_outBuffer ob{buf, sizeof buf, 0};
    r = ZSTD_decompressStream(d, &ob, &ib);
    if (ZSTD_isError(r)) break;
    out.insert(out.end(), buf, buf + ob.pos);
    if (out.size() > k_max_module || (ob.pos == 0 && ib.pos == ib.size)) break;
  }
  ZSTD_freeDStream(d);
  if (ZSTD_isError(r) || r != 0 || out.size() > k_max_module)
    throw UsageError(fmt::format("{}: corrupt zstd data", path));
  return out;
}

u64 le(std::span<const u8> b, u64 off, unsigned len) {
  u64 v = 0;
  for (unsigned i = 0; i < len; ++i) v |= u64(b[off + i]) << (8 * i);
  return v;
}

// The bytes of the .modinfo section of an ELF64 little-endian object (bounds-checked).
std::span<const u8> modinfo_section(std::span<const u8> elf) {
  auto bad = [](const char* what) { return UsageError(fmt::format("kernel module: not an ELF64 object ({})", what)); };
  if (elf.size() < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') throw bad("magic");
  if (elf[4] != 2 || elf[5] != 1) throw bad("not 64-bit little-endian");
  const u64 shoff = le(elf, 0x28, 8);
  const u64 shentsize = le(elf, 0x3a, 2);
  const u64 shnum = le(elf, 0x3c, 2);
  const u64 shstrndx = le(elf, 0x3e, 2);
  if (shentsize < 64 || shnum == 0 || shstrndx >= shnum) throw bad("section header table");
  if (shoff > elf.size() || shnum * shentsize > elf.size() - shoff) throw bad("section headers past the end");
  auto section = [&](u64 i, u64& off, u64& size, u64& name) {
    const u64 h = shoff + i * shentsize;
    name = le(elf, h, 4);
    off = le(elf, h + 0x18, 8);
    size = le(elf, h + 0x20, 8);
    if (off > elf.size() || size > elf.size() - off) throw bad("section past the end");
  };
  u64 str_off, str_size, unused;
  section(shstrndx, str_off, str_size, unused);
  for (u64 i = 0; i < shnum; ++i) {
    u64 off, size, name;
    section(i, off, size, name);
    const std::string_view want = ".modinfo";
    if (name < str_size && str_size - name > want.size() &&
        std::string_view(reinterpret_cast<const char*>(elf.data() + str_off + name), want.size()) == want &&
        elf[str_off + name + want.size()] == 0)
      return elf.subspan(off, size);
  }
  return {};
}

}  // namespace

std::string module_name(std::string_view file_name) {
  for (std::string_view ext : {".ko", ".ko.xz", ".ko.zst"}) {
    if (ends_with(file_name, ext) && file_name.size() > ext.size()) {
      std::string name(file_name.substr(0, file_name.size() - ext.size()));
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    }
  }
  return "";
}

std::vector<u8> read_module(const std::string& path) {
  std::vector<u8> raw = read_whole(path);
  if (ends_with(path, ".xz")) return unxz(raw, path);
  if (ends_with(path, ".zst")) return unzstd(raw, path);
  return raw;
}

std::string module_info(std::span<const u8> image, std::string_view key) {
  std::span<const u8> info = modinfo_section(image);
  std::string_view all(reinterpret_cast<const char*>(info.data()), info.size());
  size_t pos = 0;
  while (pos < all.size()) {
    size_t end = all.find('\0', pos);
    if (end == std::string_view::npos) end = all.size();
    std::string_view entry = all.substr(pos, end - pos);
    if (entry.size() > key.size() && entry.substr(0, key.size()) == key && entry[key.size()] == '=')
      return std::string(entry.substr(key.size() + 1));
    pos = end + 1;
  }
  return "";
}

std::vector<std::string> module_depends(std::span<const u8> image) {
  std::vector<std::string> out;
  std::string deps = module_info(image, "depends");
  size_t pos = 0;
  while (pos < deps.size()) {
    size_t comma = deps.find(',', pos);
    if (comma == std::string::npos) comma = deps.size();
    std::string name = deps.substr(pos, comma - pos);
    for (char& c : name)
      if (c == '-') c = '_';
    if (!name.empty()) out.push_back(name);
    pos = comma + 1;
  }
  return out;
}

ModuleSet resolve_modules(const std::string& dir, const std::vector<std::string>& wanted,
                          const std::vector<std::string>& optional) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError(fmt::format("{}: not a directory of kernel modules", dir));
  std::map<std::string, std::string> files;  // name -> path (first found in sorted order)
  std::vector<std::string> all;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) all.push_back(it->path().string());
  }
  if (ec) throw IoError(dir, "walk", ec.value());
  std::sort(all.begin(), all.end());
  for (const std::string& p : all) {
    std::string name = module_name(fs::path(p).filename().string());
    if (!name.empty()) files.emplace(name, p);
  }

  ModuleSet set;
  std::set<std::string> done, visiting;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    if (done.count(name)) return;
    if (visiting.count(name)) throw UsageError(fmt::format("{}: module dependency cycle at {}", dir, name));
    auto it = files.find(name);
    if (it == files.end()) return;  // built in
    visiting.insert(name);
    KernelModule m;
    m.name = name;
    m.path = it->second;
    m.image = read_module(m.path);
    m.depends = module_depends(m.image);
    for (const std::string& dep : m.depends) visit(dep);
    visiting.erase(name);
    done.insert(name);
    set.modules.push_back(std::move(m));
  };
  for (const std::string& name : optional) visit(name);
  for (const std::string& name : wanted) {
    if (!files.count(name)) set.absent.push_back(name);
    visit(name);
  }
  return set;
}

}  // namespace core::smoke
