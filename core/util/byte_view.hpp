// A bounds-checked, read-only view over untrusted bytes. All image bytes go through this.
#pragma once

#include <cstring>
#include <span>
#include <string>

#include "core/util/error.hpp"
#include "core/util/ints.hpp"

namespace core::util {

class ByteView {
public:
  ByteView() = default;
  // `space` names where the bytes live in error messages ("" = the primary device).
  ByteView(const u8* data, u64 size, std::string space = {})
      : m_data(data), m_size(size), m_space(std::move(space)) {}
  // A view of a read-only file mapping: release() may drop pages from the resident set.
  static ByteView mapped(const u8* data, u64 size, std::string space = {}) {
    ByteView v(data, size, std::move(space));
    v.m_mapped = true;
    return v;
  }

  // Hints that [off, off+len) will not be needed soon; for mappings, drops the pages holding
  // the range from this process (they stay in the page cache). No-op otherwise.
  void release(u64 off, u64 len) const;
  // Hints that [off, off+len) is about to be read in full; for mappings, maps its pages in one
  // call (MADV_POPULATE_READ) instead of one page fault per few pages. No-op otherwise.
  void prefetch(u64 off, u64 len) const;

  u64 size() const { return m_size; }
  const std::string& space() const { return m_space; }

  // True if [off, off+len) lies inside the view (no overflow).
  bool contains(u64 off, u64 len) const { return off <= m_size && len <= m_size - off; }

  // Throws CorruptImage("<what>") at `off` unless [off, off+len) lies inside the view (the
  // message then ends with the end note, if one is set).
  void require(u64 off, u64 len, const char* what, const Where& ctx = {}) const {
    if (!contains(off, len)) fail_bounds(what, off, ctx);
  }

  // Said after every out-of-bounds message, e.g. why the view is shorter than its format
  // declares ("image is truncated: ...").
  void set_end_note(std::string note) { m_end_note = std::move(note); }
  const std::string& end_note() const { return m_end_note; }

  // Returns the bytes [off, off+len); throws CorruptImage if they are not all inside.
  std::span<const u8> bytes(u64 off, u64 len, const char* what = "read past end of image",
                            const Where& ctx = {}) const {
    require(off, len, what, ctx);
    return {m_data + off, static_cast<std::size_t>(len)};
  }

  // Reads a trivially copyable T at `off`; throws CorruptImage if it does not fit.
  template <class T>
  T read(u64 off, const char* what = "read past end of image", const Where& ctx = {}) const {
    require(off, sizeof(T), what, ctx);
    T v;
    std::memcpy(&v, m_data + off, sizeof(T));
    return v;
  }

  // Where-object for an offset in this view, merged with the caller's context.
  Where at(u64 off, const Where& ctx = {}) const {
    Where w = ctx;
    w.byte = off;
    w.space = m_space;
    return w;
  }

  [[noreturn]] void fail(const char* what, u64 off, const Where& ctx = {}) const {
    throw CorruptImage(what, at(off, ctx));
  }

private:
  [[noreturn]] void fail_bounds(const char* what, u64 off, const Where& ctx) const {
    if (m_end_note.empty()) fail(what, off, ctx);
    throw CorruptImage(std::string(what) + " (" + m_end_note + ")", at(off, ctx));
  }

public:

private:
  const u8* m_data = nullptr;
  u64 m_size = 0;
  std::string m_space;
  std::string m_end_note;
  bool m_mapped = false;
};

}  // namespace core::util
