// The one escaping rule for text meant for a terminal: every string that came from an image, a
// tar archive or a source tree goes through display() before it reaches a text output, so it
// can neither forge report lines nor send control sequences to the terminal.
#pragma once

#include <string>
#include <string_view>

namespace core::util {

// `text` with everything that is not visible, printable UTF-8 escaped, so the result holds no
// byte below 0x20, no DEL, no C1 control, no bidi control and no invalid UTF-8:
//   - a backslash is shown as \\ (so the rendering is unambiguous),
//   - C0 control bytes (TAB, LF, CR, ESC, ...) and DEL are shown as \xNN (two lower-case hex
//     digits), and so is every byte that is not part of a well-formed UTF-8 sequence (stray
//     continuation bytes, truncated sequences, overlong forms, surrogates, > U+10FFFF),
//   - the code points C1 U+0080..U+009F, the bidi controls U+061C, U+200E, U+200F,
//     U+202A..U+202E, U+2066..U+2069 and the separators U+2028, U+2029 are shown as \u{HEX}
//     (lower-case hex, no leading zeros: \u{85}, \u{202e}).
// Everything else (printable ASCII, well-formed UTF-8) passes unchanged. Never throws.
std::string display(std::string_view text);

// Appends display(text) to `out`.
void append_display(std::string& out, std::string_view text);

}  // namespace core::util
