// The model's view of every inode (Copy), content groups, and the status and reason of each
// copy read off the two runs of the kernel's decision. Internal to core/scan (report.cpp).
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "core/scan/report.hpp"
#include "core/scan/sharing.hpp"

namespace core::scan {

// Where the model takes a copy's content from.
enum class ContentFrom : u8 {
  unknown,      // not read (and not needed: its size is unique), or unreadable
  fingerprint,  // the "sha256:" value's digest (trusted, or the file was not read)
  read,         // the digest of the data as read (InputRecord::content)
};

// One inode of one input, with what the model derives from its record.
struct Copy {
  // The record's size, kept here: groups visit copies out of order, and every look into the
  // record was a cache miss.
  u64 size = 0;
  u32 input = 0;
  u32 file = 0;  // index into inputs[input].files
  IoClass io = IoClass::block;
  Reason view = Reason::none;  // why the kernel finds no usable value (none: it does)
  ContentFrom from = ContentFrom::unknown;
  bool mismatch = false;       // "sha256:" value != content read
  bool hashed() const { return from == ContentFrom::read; }
  bool known() const { return from != ContentFrom::unknown; }
};
static_assert(sizeof(Copy) == 24, "one Copy per inode of every input: keep it small");

// The record of `c`, and its content as far as this scan knows it (null if unknown).
inline const FileRecord& record_of(const std::vector<InputRecord>& inputs, const Copy& c) {
  return inputs[c.input].files[c.file];
}
inline const util::Digest* content_of(const std::vector<InputRecord>& inputs, const Copy& c) {
  switch (c.from) {
    case ContentFrom::unknown: return nullptr;
    case ContentFrom::fingerprint: return fingerprint_digest_in(record_of(inputs, c).fingerprint->value);
    case ContentFrom::read: return inputs[c.input].content(record_of(inputs, c));
  }
  return nullptr;
}

// Every inode of every input in instantiation order (input, then first path); counts
// fingerprints and unreadable files into rows[input].
std::vector<Copy> collect_copies(const std::vector<InputRecord>& inputs, const ModelOptions& options,
                                 std::vector<InputRow>& rows, unsigned jobs = 1);

// Contents (digest, size) held by more than one copy, each as its copies in order; by digest,
// then size.
// The sort runs on up to `jobs` threads.
std::vector<std::vector<u32>> content_groups(const std::vector<Copy>& copies, const std::vector<InputRecord>& inputs,
                                             unsigned jobs = 1);

// The joined members of every shared inode of a run, in order, as one flat array.
class Members {
public:
  Members() = default;
  explicit Members(const Simulation& sim);
  std::span<const u32> of(u32 shared) const {
    return {m_flat.data() + m_start[shared], m_start[shared + 1] - m_start[shared]};
  }

private:
  std::vector<u32> m_start;
  std::vector<u32> m_flat;
};

// The two runs of the decision: as stored now, and with every file tagged.
struct Runs {
  std::vector<u32> now_keys;  // per copy: its key in the "now" run (0: none)
  Simulation now;
  Simulation tag;
  Members now_members;
  Members tag_members;
};

// The rows of a range of groups, most saved first, and the copies among them that do not
// share now, counted by (status, reason). With keep > 0 only the rows of the `keep` groups
// that save the most (the counts cover every group). Parts of disjoint ranges can be built side
// by side, then merged.
struct GroupRowsPart {
  std::vector<GroupRow> rows;
  std::vector<ReasonRow> reasons;  // every (status, reason) pair, in that order
};
GroupRowsPart group_rows_part(const std::vector<Copy>& copies, const std::vector<std::vector<u32>>& groups,
                              const Runs& runs, const std::vector<InputRecord>& inputs, u32 page_size,
                              std::size_t begin, std::size_t end, std::size_t keep);
// The parts' rows, most saved first (the first `keep` if keep > 0); adds the (status, reason)
// pairs that occur to `reasons`.
std::vector<GroupRow> merge_group_rows(std::vector<GroupRowsPart> parts, std::vector<ReasonRow>& reasons,
                                       std::size_t keep);

}  // namespace core::scan
