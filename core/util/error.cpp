#include "core/util/error.hpp"

#include <cstring>

#include <fmt/format.h>

namespace core {

// Paths and details are copied as they are in the image (raw bytes: control characters,
// invalid UTF-8). Messages are escaped where they are printed, with util::display() (main()
// does it for the one-line error, the text renderers for findings), so a name is escaped
// exactly once, and JSON outputs carry it exactly.
std::string to_string(const Where& w) {
  std::string s;
  if (w.nid) s += fmt::format("nid {}", *w.nid);
  if (!w.path.empty()) s += fmt::format("{}path {}", s.empty() ? "" : ", ", w.path);
  if (!w.detail.empty()) s += fmt::format("{}{}", s.empty() ? "" : ", ", w.detail);
  std::string at = s.empty() ? "" : " @ " + s;
  if (w.byte) {
    std::string space = w.space.empty() ? "" : w.space + " ";
    at += fmt::format(" ({}byte {:#x})", space, *w.byte);
  }
  return at;
}

CorruptImage::CorruptImage(const std::string& what, Where where)
    : Error(what + to_string(where)), m_reason(what), m_where(std::move(where)) {}

CorruptImage CorruptImage::with(const Where& outer) const {
  Where w = m_where;
  if (!w.nid) w.nid = outer.nid;
  if (w.path.empty()) w.path = outer.path;
  if (w.detail.empty()) w.detail = outer.detail;
  if (!w.byte) {
    w.byte = outer.byte;
    w.space = outer.space;
  }
  return CorruptImage(m_reason, w);
}

Unsupported::Unsupported(const std::string& what, Where where)
    : Error(what + to_string(where)), m_where(std::move(where)) {}

IoError::IoError(const std::string& path, const std::string& op, int err)
    : Error(fmt::format("{}: {}: {}", path, op, std::strerror(err))) {}

}  // namespace core
