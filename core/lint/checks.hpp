// The check functions the rule table (rules.cpp) points at, one group per file.
#pragma once

#include "core/lint/rules.hpp"

namespace core::lint::checks {

// rule_image.cpp: the image as a whole.
void image_unreadable(const Facts&, Emitter&);
void corrupt_inode(const Facts&, Emitter&);
void superblock_checksum(const Facts&, Emitter&);
void unknown_incompat_feature(const Facts&, Emitter&);
void unknown_compat_feature(const Facts&, Emitter&);
void feature_needs_newer_kernel(const Facts&, Emitter&);
void image_truncated(const Facts&, Emitter&);

// rule_prefix.cpp: the ishare superblock fields and the long-prefix table.
void fingerprints_absent(const Facts&, Emitter&);
void ishare_prefix_id(const Facts&, Emitter&);
void prefix_table_inconsistent(const Facts&, Emitter&);
void fingerprint_name_nondefault(const Facts&, Emitter&);

// rule_fingerprint.cpp: one file's fingerprint.
void fingerprint_missing(const Facts&, Emitter&);
void fingerprint_mismatch(const Facts&, Emitter&);
void fingerprint_format(const Facts&, Emitter&);
void fingerprint_value_size(const Facts&, Emitter&);
void fingerprint_filtered(const Facts&, Emitter&);
void fingerprint_duplicate_entry(const Facts&, Emitter&);
void fingerprint_on_non_regular_file(const Facts&, Emitter&);
void fingerprint_unverified(const Facts&, Emitter&);

// rule_cross.cpp: fingerprints across all images linted together.
void fingerprint_conflict(const Facts&, Emitter&);
void compression_class_mismatch(const Facts&, Emitter&);
void fingerprint_name_differs(const Facts&, Emitter&);

}  // namespace core::lint::checks
