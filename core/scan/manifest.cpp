#include "core/scan/manifest.hpp"

#include <cerrno>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"
#include "core/util/output_file.hpp"

namespace core::scan {

using nlohmann::json;

namespace {

// The kernel's view of a fingerprint as a manifest word.
const char* view_word(Reason r) {
  switch (r) {
    case Reason::none: return "usable";
    case Reason::no_ishare_feature: return "no_ishare_feature";
    case Reason::fingerprint_hidden_by_filter: return "hidden_by_filter";
    case Reason::fingerprint_empty: return "empty";
    case Reason::fingerprint_too_long: return "too_long";
    default: return "missing";
  }
}

// Well-formed UTF-8 (no overlong forms, no surrogates), the strings JSON can carry.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // range of the first continuation byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const unsigned d = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

json path_json(const std::string& p) {
  if (valid_utf8(p)) return p;
  return json{{"hex", util::to_hex({reinterpret_cast<const u8*>(p.data()), p.size()})}};
}

std::vector<u8> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % 2) throw UsageError("odd number of hex digits");
  std::vector<u8> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw UsageError("not lower-case hex");
    out[i] = static_cast<u8>(hi << 4 | lo);
  }
  return out;
}

std::string path_from_json(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  auto bytes = from_hex(j.at("hex").get<std::string>());
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

std::string manifest_text(const InputRecord& rec) {
  json head = {{"erofs_share_manifest", k_manifest_version},
               {"input", path_json(rec.name)},
               {"kind", kind_name(rec.kind)},
               {"block_size", rec.block_size},
               {"ishare", rec.ishare},
               {"fingerprint_xattr", rec.fingerprint_xattr},
               {"directories", rec.directories},
               {"symlinks", rec.symlinks},
               {"special_files", rec.special_files},
               {"empty_files", rec.empty_files},
               {"files", rec.files.size()}};
  std::string out = head.dump() + "\n";
  for (const FileRecord& f : rec.files) {
    const std::vector<std::string> names = rec.paths(f);
    json row = {{"input", path_json(rec.name)},
                {"path", path_json(names.front())},
                {"size", f.size},
                {"class", storage_name(f.storage)},
                {"fingerprint", view_word(fingerprint_view(rec, f))}};
    json paths = json::array();
    for (const auto& p : names) paths.push_back(path_json(p));
    row["paths"] = std::move(paths);
    if (f.fingerprint) row["fingerprint_value"] = util::to_hex(f.fingerprint->value);
    if (const util::Digest* d = rec.content(f)) row["sha256"] = util::to_hex(*d);
    if (!f.has_content() && !rec.content_error(f).empty()) row["error"] = rec.content_error(f);
    out += row.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }
  return out;
}

void write_manifest(const InputRecord& rec, const std::string& path) {
  util::OutputFile out(path);  // complete or not there at all
  out.write(manifest_text(rec));
  out.commit();
}

bool is_manifest_header(std::string_view line) {
  if (line.empty() || line.front() != '{') return false;
  json j = json::parse(line, nullptr, false);
  return j.is_object() && j.contains("erofs_share_manifest");
}

InputRecord read_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "open", errno);
  InputRecord rec;
  std::string line;
  u64 lineno = 0;
  u64 expected = 0;
  try {
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty()) continue;
      json j = json::parse(line);
      if (lineno == 1) {
        if (j.at("erofs_share_manifest").get<int>() != k_manifest_version)
          throw UsageError(fmt::format("unsupported manifest version {}", j.at("erofs_share_manifest").dump()));
        rec.name = path_from_json(j.at("input"));
        auto kind = parse_kind(j.at("kind").get<std::string>());
        if (!kind) throw UsageError("unknown kind " + j.at("kind").dump());
        rec.kind = *kind;
        rec.block_size = j.at("block_size").get<u32>();
        rec.ishare = j.at("ishare").get<bool>();
        rec.fingerprint_xattr = j.at("fingerprint_xattr").get<std::string>();
        rec.directories = j.at("directories").get<u64>();
        rec.symlinks = j.at("symlinks").get<u64>();
        rec.special_files = j.at("special_files").get<u64>();
        rec.empty_files = j.at("empty_files").get<u64>();
        expected = j.at("files").get<u64>();
        continue;
      }
      FileRecord f;
      for (const auto& p : j.at("paths")) {
        const std::string name = path_from_json(p);
        if (!name.starts_with('/')) throw UsageError("a path that does not start with /");
        rec.add_path(f, name);
      }
      if (f.path == PathTable::k_none) throw UsageError("a file without paths");
      f.size = j.at("size").get<u64>();
      if (f.size == 0) throw UsageError("a file of size 0");
      auto storage = parse_storage(j.at("class").get<std::string>());
      if (!storage) throw UsageError("unknown class " + j.at("class").dump());
      f.storage = *storage;
      if (j.contains("fingerprint_value")) {
        StoredValue v;
        v.value = SmallBytes(from_hex(j.at("fingerprint_value").get<std::string>()));
        v.hidden_by_filter = j.at("fingerprint").get<std::string>() == "hidden_by_filter";
        f.fingerprint = std::move(v);
      }
      if (j.contains("sha256")) {
        auto d = from_hex(j.at("sha256").get<std::string>());
        if (d.size() != 32) throw UsageError("sha256 is not 32 bytes");
        util::Digest digest{};
        std::copy(d.begin(), d.end(), digest.begin());
        rec.set_content(f, digest);
      }
      if (j.contains("error")) rec.set_content_error(f, j.at("error").get<std::string>());
      rec.files.push_back(std::move(f));
    }
  } catch (const json::exception& e) {
    throw UsageError(fmt::format("{}:{}: malformed manifest: {}", path, lineno, e.what()));
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}:{}: malformed manifest: {}", path, lineno, e.what()));
  }
  if (lineno == 0) throw UsageError(path + ": empty manifest");
  if (rec.files.size() != expected)
    throw UsageError(fmt::format("{}: manifest is truncated: {} of {} files", path, rec.files.size(), expected));
  return rec;
}

}  // namespace core::scan
