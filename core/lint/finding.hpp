// Lint findings: plain data, never exceptions (house style, example 7).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/ints.hpp"

namespace core::lint {

// Ordered: a threshold admits its own level and everything above it.
enum class Severity : u8 { info = 0, warning = 1, error = 2 };

const char* severity_name(Severity severity);  // "info", "warning", "error"
// Parses "info" / "warning" / "error"; nullopt otherwise.
std::optional<Severity> parse_severity(std::string_view text);

struct Finding {
  std::string rule;                 // stable rule id, e.g. "fingerprint-mismatch"
  Severity severity = Severity::error;
  std::string image;                // the image path as given on the command line
  std::size_t image_index = 0;      // its position on the command line (report order)
  std::optional<std::string> path;  // path inside the image; none for image-wide findings
  std::optional<u64> nid;
  std::optional<u64> offset;        // byte offset in the image when one place is to blame
  std::string message;              // one line, self-contained apart from image and path
  bool suppressed = false;          // accepted by a baseline entry
  std::string suppression_reason;   // that entry's reason
  // The same finding (rule, path, message) in more than one image: an id shared by all of
  // them (16 hex digits of a SHA-256 of rule, path and message); empty when in one image only.
  std::string group;
};

// Sets Finding::group on every finding whose rule, path and message occur in more than one
// image of `findings`.
void group_across_images(std::vector<Finding>& findings);

// Deterministic report order: image (command-line order), then path (image-wide first),
// rule id, message.
bool finding_less(const Finding& a, const Finding& b);

}  // namespace core::lint
