// The in-process equivalent of `erofs-share inspect --digest` on untrusted bytes, and the rules
// its outcome must follow: success, or exactly one core error whose text is one non-empty line
// (a CorruptImage also names a location). Shared by the mutation harness and the fuzz target.
#pragma once

#include <span>
#include <string>

#include "core/erofs/image.hpp"
#include "core/util/ints.hpp"

namespace hostile {

enum class Kind { ok, corrupt, unsupported, data_unavailable, io_error, usage_error, broken };

const char* kind_name(Kind kind);

struct Outcome {
  Kind kind = Kind::ok;
  std::string message;  // what() of the error, "" when ok
  std::string problem;  // why the outcome breaks the rules; "" when it is fine
};

// Limits that keep one run short: holes and metadata streams capped well below the defaults.
core::erofs::ReadLimits low_limits();

// Opens `bytes` as an image, runs inspect with digests and renders the JSON report. Never
// throws: everything is classified in the Outcome (an unexpected exception type is a problem).
Outcome inspect_bytes(std::span<const core::u8> bytes, const core::erofs::ReadLimits& limits);

// `erofs-share lint --severity-threshold error -j 1` in-process on `bytes`, written to `file`:
// its exit status (0 clean, 1 findings, 2 unreadable) and the first finding or input error.
struct LintOutcome {
  int status = 0;
  std::string first;
};
LintOutcome lint_bytes(std::span<const core::u8> bytes, const std::string& file);

}  // namespace hostile
