#include "core/util/display.hpp"

#include <cstdint>

namespace core::util {

namespace {

constexpr char k_hex[] = "0123456789abcdef";

void append_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += k_hex[c >> 4];
  out += k_hex[c & 0xf];
}

void append_code_point(std::string& out, std::uint32_t cp) {
  out += "\\u{";
  int shift = 20;
  while (shift > 0 && (cp >> shift) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) out += k_hex[(cp >> shift) & 0xf];
  out += '}';
}

// Code points that are valid UTF-8 but change how a terminal or an editor lays out the text
// around them: C1 controls (ESC-like in 8-bit terminals), bidi embeddings, overrides, isolates
// and marks (the "Trojan Source" characters), and the Unicode line and paragraph separators.
bool hidden_control(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// Length of the well-formed UTF-8 sequence at text[i] (2..4) with its code point, or 0 when
// text[i] does not start one (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
std::size_t decode(std::string_view text, std::size_t i, std::uint32_t& cp) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n;
  std::uint32_t min;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, cp = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, cp = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (!continuation(b)) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

void append_display(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f)
        append_byte(out, c);
      else if (c == '\\')
        out += "\\\\";
      else
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = decode(text, i, cp);
    if (n == 0) {
      append_byte(out, c);  // one byte at a time: the next byte may start a valid sequence
      ++i;
      continue;
    }
    if (hidden_control(cp))
      append_code_point(out, cp);
    else
      out.append(text.substr(i, n));
    i += n;
  }
}

std::string display(std::string_view text) {
  std::string out;
  append_display(out, text);
  return out;
}

}  // namespace core::util
