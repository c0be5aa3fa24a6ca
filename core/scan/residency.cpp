// Residency files for scan --resident (residency.hpp): parsed, every field checked.
#include "core/scan/residency.hpp"

#include <filesystem>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/util/error.hpp"
#include "core/util/mapped_file.hpp"

namespace core::scan {

namespace {

using nlohmann::json;

// A mount point or path compared by its lexically normal form, without a trailing '/'.
std::string normal_path(std::string_view p) {
  std::string s = std::filesystem::path(p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

class Checker {
public:
  explicit Checker(const std::string& where) : m_where(where) {}
  [[noreturn]] void bad(const std::string& pointer, const std::string& why) const {
    throw UsageError(fmt::format("--resident {}: {}: {}", m_where, pointer, why));
  }
  const json& member(const json& obj, const std::string& pointer, const char* key) const {
    const auto it = obj.find(key);
    if (it == obj.end()) bad(pointer + "/" + key, "missing");
    return *it;
  }
  std::string string(const json& obj, const std::string& pointer, const char* key) const {
    const json& v = member(obj, pointer, key);
    if (!v.is_string()) bad(pointer + "/" + key, "not a string");
    return v.get<std::string>();
  }
  u64 count(const json& obj, const std::string& pointer, const char* key) const {
    const json& v = member(obj, pointer, key);
    if (!v.is_number_unsigned()) bad(pointer + "/" + key, "not a whole number of at least 0");
    return v.get<u64>();
  }
  const json& array(const json& obj, const char* key) const {
    const json& v = member(obj, "", key);
    if (!v.is_array()) bad(std::string("/") + key, "not an array");
    return v;
  }

private:
  const std::string& m_where;
};

void parse_status(const json& j, const Checker& c, Residency& out) {
  const json& version = c.member(j, "", "schema_version");
  if (!version.is_number_unsigned() || version.get<u64>() != 1) c.bad("/schema_version", "not 1");
  const json& files = c.array(j, "files");
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string ptr = fmt::format("/files/{}", i);
    if (!files[i].is_object()) c.bad(ptr, "not an object");
    ResidencyRecord r;
    r.image = c.string(files[i], ptr, "image");
    r.mount = c.string(files[i], ptr, "mount");
    r.path = c.string(files[i], ptr, "path");
    if (!r.path.starts_with('/')) c.bad(ptr + "/path", "does not start with /");
    r.resident_bytes = c.count(files[i], ptr, "resident_bytes");
    out.records.push_back(std::move(r));
  }
}

void parse_fincore(const json& j, const Checker& c, u32 page_size, Residency& out) {
  const json& files = c.array(j, "fincore");
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string ptr = fmt::format("/fincore/{}", i);
    if (!files[i].is_object()) c.bad(ptr, "not an object");
    ResidencyRecord r;
    r.path = c.string(files[i], ptr, "file");
    if (r.path.empty()) c.bad(ptr + "/file", "empty");
    const auto res = files[i].find("res");
    if (res != files[i].end() && res->is_number_unsigned()) {
      r.resident_bytes = res->get<u64>();  // fincore -b: bytes
    } else {
      // Without -b "res" is a rounded human size ("1.2M"): the page count is exact.
      const auto pages = files[i].find("pages");
      if (pages == files[i].end() || !pages->is_number_unsigned())
        c.bad(ptr + "/res", "not a byte count and no whole \"pages\" count (run fincore --json -b)");
      if (pages->get<u64>() > std::numeric_limits<u64>::max() / page_size) c.bad(ptr + "/pages", "too large");
      r.resident_bytes = pages->get<u64>() * page_size;
    }
    out.records.push_back(std::move(r));
  }
}

}  // namespace

const char* residency_format_name(ResidencyFormat format) {
  return format == ResidencyFormat::fincore ? "fincore" : "status";
}

ResidentRoot parse_resident_root(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size())
    throw UsageError(fmt::format("--resident-root {}: expected MOUNTPOINT=INPUT", text));
  return {normal_path(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Residency parse_residency(std::string_view text, const std::string& where, u32 page_size) {
  if (page_size == 0) throw UsageError("--page-size: must be at least 1");
  // A status report: keep only what is read (its groups and mounts can be large).
  json::parser_callback_t keep = [](int depth, json::parse_event_t event, json& parsed) {
    if (depth != 1 || event != json::parse_event_t::key) return true;
    return parsed == "files" || parsed == "schema_version" || parsed == "fincore" || parsed == "mounts_file";
  };
  const json j = json::parse(text.begin(), text.end(), keep, false);
  const Checker c(where);
  if (j.is_discarded()) throw UsageError(fmt::format("--resident {}: not valid JSON", where));
  if (!j.is_object()) c.bad("", "not a JSON object");
  Residency out;
  out.file = where;
  if (j.contains("fincore")) {
    out.format = ResidencyFormat::fincore;
    parse_fincore(j, c, page_size, out);
  } else if (j.contains("files") && j.contains("mounts_file")) {
    out.format = ResidencyFormat::status;
    parse_status(j, c, out);
  } else {
    c.bad("", "neither `erofs-share status --format json` (\"files\") nor `fincore --json` (\"fincore\")");
  }
  return out;
}

Residency read_residency(const std::string& path, u32 page_size) {
  util::MappedFile file(path);
  if (file.size() > k_max_residency_bytes)
    throw UsageError(fmt::format("--resident {}: larger than {} bytes", path, k_max_residency_bytes));
  const util::ByteView v = file.view();
  const auto bytes = v.bytes(0, v.size());
  return parse_residency(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path, page_size);
}

}  // namespace core::scan
