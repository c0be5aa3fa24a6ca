// The error types of erofs-share. Throw these for "cannot continue"; report findings as data.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace core {

// Where in an image something went wrong. Every field is optional; the layer that knows a
// field fills it in (the byte reader knows the offset, the inode reader the nid).
struct Where {
  std::optional<std::uint64_t> nid;
  std::optional<std::uint64_t> byte;   // absolute offset in the primary device, or in `space`
  std::string space;                   // "" for the primary device, else e.g. "metabox", "device 1"
  std::string path;                    // path inside the image when known
  std::string detail;                  // extra coordinates, e.g. "lblk 0, index 3"
};

// Renders " @ nid 39, lblk 0 (byte 0x4a0c)" in erofs-utils' style; empty if nothing is known.
// The path and detail are copied unescaped (see Error).
std::string to_string(const Where& where);

// Base of every error erofs-share reports to the user. A message holds names as they are in
// the image (raw bytes: control characters, invalid UTF-8); whoever prints one as text passes
// it through util::display() (main() does for the one-line error), so it is escaped once.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The image violates the format (or a safety limit): the data cannot be trusted.
class CorruptImage : public Error {
public:
  CorruptImage(const std::string& what, Where where);
  const Where& where() const { return m_where; }
  const std::string& reason() const { return m_reason; }
  // Returns a copy with fields of `outer` filled in where this error has none.
  CorruptImage with(const Where& outer) const;

private:
  std::string m_reason;
  Where m_where;
};

// The image uses something valid that this version cannot read (feature bit, layout).
class Unsupported : public Error {
public:
  Unsupported(const std::string& what, Where where = {});
  const Where& where() const { return m_where; }

private:
  Where m_where;
};

// An operating-system call failed on a path.
class IoError : public Error {
public:
  IoError(const std::string& path, const std::string& op, int err);
};

// Bad input that is not an image (missing file, wrong option combination).
class UsageError : public Error {
public:
  using Error::Error;
};

}  // namespace core

namespace core {

// File data lives on an extra device the user did not supply (--device).
class DataUnavailable : public Error {
public:
  using Error::Error;
};

}  // namespace core
