#include "core/status/mountinfo.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::status {

namespace {

constexpr std::size_t k_max_lines = 1'000'000;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const std::size_t at = s.find(sep, pos);
    const std::size_t end = at == std::string_view::npos ? s.size() : at;
    out.push_back(s.substr(pos, end - pos));
    if (at == std::string_view::npos) break;
    pos = at + 1;
  }
  return out;
}

bool parse_u32(std::string_view s, u32& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    const auto oct = [&](std::size_t k) { return field[k] >= '0' && field[k] <= '7'; };
    if (field[i] == '\\' && i + 3 < field.size() && oct(i + 1) && oct(i + 2) && oct(i + 3)) {
      const int v = (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0');
      if (v <= 0xff) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

std::vector<MountEntry> parse_mountinfo(std::string_view text, const std::string& name) {
  std::vector<MountEntry> out;
  std::size_t line_no = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_no;
    if (line_no > k_max_lines) throw UsageError(fmt::format("{}: more than {} lines", name, k_max_lines));
    if (line.empty()) continue;
    auto bad = [&](const char* what) { return UsageError(fmt::format("{}: line {}: {}", name, line_no, what)); };
    const std::vector<std::string_view> f = split(line, ' ');  // the kernel writes one space between fields
    // Six fixed fields, optional fields, "-", then fstype, source, super options.
    std::size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 7 || dash >= f.size()) throw bad("not a mountinfo line (no \" - \" separator after six fields)");
    if (f.size() < dash + 3) throw bad("not a mountinfo line (fstype and source expected after \"-\")");
    MountEntry e;
    u32 parent = 0;
    const std::size_t colon = f[2].find(':');
    if (!parse_u32(f[0], e.id) || !parse_u32(f[1], parent) || colon == std::string_view::npos ||
        !parse_u32(f[2].substr(0, colon), e.major) || !parse_u32(f[2].substr(colon + 1), e.minor))
      throw bad("not a mountinfo line (ID PARENT MAJOR:MINOR expected)");
    e.root = unescape(f[3]);
    e.mount_point = unescape(f[4]);
    e.mount_options = std::string(f[5]);
    e.fstype = unescape(f[dash + 1]);
    e.source = unescape(f[dash + 2]);
    if (dash + 3 < f.size()) e.super_options = std::string(f[dash + 3]);
    if (!e.mount_point.starts_with('/') || !e.root.starts_with('/'))
      throw bad("not a mountinfo line (root and mount point must be absolute)");
    out.push_back(std::move(e));
  }
  return out;
}

ErofsOptions parse_erofs_options(std::string_view super_options) {
  ErofsOptions o;
  for (std::string_view opt : split(super_options, ',')) {
    if (opt == "inode_share")
      o.inode_share = true;
    else if (opt.starts_with("domain_id="))
      o.domain_id = unescape(opt.substr(10));
    else if (opt.starts_with("device="))
      o.devices.push_back(unescape(opt.substr(7)));
  }
  return o;
}

}  // namespace core::status
