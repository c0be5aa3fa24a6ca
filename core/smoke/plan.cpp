#include "core/smoke/plan.hpp"

#include <fmt/format.h>

namespace core::smoke {

std::string encode_field(std::string_view field) {
  std::string out;
  for (unsigned char c : field) {
    if (c <= 0x20 || c >= 0x7f || c == '%')
      out += fmt::format("%{:02X}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

std::string Plan::render() const {
  std::string out = "# erofs-share smoke plan\n";
  for (const PlanStep& s : m_steps) {
    out += s.op;
    for (const std::string& f : s.fields) out += " " + encode_field(f);
    out += "\n";
  }
  return out + "end\n";
}

}  // namespace core::smoke
