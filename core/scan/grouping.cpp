// Content groups and the status and reason of every copy.
#include "core/scan/grouping.hpp"

#include <algorithm>
#include <iterator>

#include "core/scan/parallel.hpp"
#include "core/scan/size_counts.hpp"

namespace core::scan {

namespace {

// The first 8 bytes of a digest, big-endian: they order like the digest and settle almost
// every comparison without looking at the rest.
u64 digest_head(const util::Digest& d) {
  u64 head = 0;
  for (std::size_t k = 0; k < 8; ++k) head = head << 8 | d[k];
  return head;
}

Reason class_reason(IoClass a, IoClass b) {
  return a == IoClass::compressed || b == IoClass::compressed ? Reason::compressed_vs_uncompressed
                                                              : Reason::fileio_vs_block;
}

// Why a copy that would share once tagged does not share now.
Reason why_not_now(const std::vector<Copy>& copies, u32 c, const Runs& runs) {
  const Copy& x = copies[c];
  if (x.view != Reason::none) return x.view;
  if (x.mismatch) return Reason::fingerprint_mismatch;
  const Simulation& now = runs.now;
  if (!now.joined[c]) {
    // It has a usable value, but the shared inode of that value has another class or size.
    const SharedInode& s = now.shared[now.inode[c]];
    return s.io != x.io ? class_reason(x.io, s.io) : Reason::fingerprint_collision;
  }
  // It is in a shared inode without a copy of its own content.
  for (u32 p : runs.tag_members.of(runs.tag.inode[c]))
    if (p != c && copies[p].view == Reason::none && runs.now_keys[p] != runs.now_keys[c])
      return Reason::fingerprint_values_differ;
  if (now.shared[now.inode[c]].members > 1) return Reason::fingerprint_collision;
  return Reason::peer_not_tagged;
}

// Why a copy does not share even once tagged.
Reason why_blocked(const std::vector<Copy>& copies, u32 c, const Simulation& tag,
                   const std::vector<InputRecord>& inputs, const std::vector<u32>& group) {
  const Copy& x = copies[c];
  if (!inputs[x.input].inode_share) return Reason::mount_without_inode_share;  // no key even once tagged
  const SharedInode& s = tag.shared[tag.inode[c]];
  if (s.anchor != c) return class_reason(x.io, s.io);
  for (u32 p : group)
    if (p != c && inputs[copies[p].input].domain == inputs[x.input].domain && copies[p].io != x.io)
      return class_reason(x.io, copies[p].io);
  return Reason::other_domain;
}

}  // namespace

Members::Members(const Simulation& sim) : m_start(sim.shared.size() + 1, 0) {
  for (u32 c = 0; c < sim.joined.size(); ++c)
    if (sim.joined[c]) ++m_start[sim.inode[c] + 1];
  for (std::size_t s = 1; s < m_start.size(); ++s) m_start[s] += m_start[s - 1];
  m_flat.resize(m_start.back());
  std::vector<u32> fill(m_start.begin(), m_start.end() - 1);
  for (u32 c = 0; c < sim.joined.size(); ++c)
    if (sim.joined[c]) m_flat[fill[sim.inode[c]]++] = c;
}

std::vector<Copy> collect_copies(const std::vector<InputRecord>& inputs, const ModelOptions& opt,
                                 std::vector<InputRow>& rows, unsigned jobs) {
  std::size_t total = 0;
  std::vector<std::size_t> first(inputs.size());  // index of each input's first copy
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    first[k] = total;
    total += inputs[k].files.size();
  }
  SizeCounts size_count(opt.verify_all ? 0 : total);  // not needed when every content counts
  if (!opt.verify_all)
    for (const InputRecord& in : inputs)
      for (const FileRecord& f : in.files) size_count.add(f.size);

  // Each input fills its own range of copies and its own row: inputs run side by side.
  std::vector<Copy> copies(total);
  auto collect = [&](std::size_t k) {
    const InputRecord& in = inputs[k];
    InputRow& row = rows[k];
    Copy* out = copies.data() + first[k];
    for (std::size_t i = 0; i < in.files.size(); ++i) {
      const FileRecord& f = in.files[i];
      Copy& c = *out++;
      c.input = static_cast<u32>(k);
      c.file = static_cast<u32>(i);
      c.size = f.size;
      c.io = io_class(f.storage, in.mount_mode);
      c.view = fingerprint_view(in, f);
      const util::Digest* fpd = f.fingerprint ? fingerprint_digest_in(f.fingerprint->value) : nullptr;
      // A file whose size is unique cannot share: its content does not matter (and was not
      // read) unless --verify-all. Ignoring it even when known keeps manifests and images equal.
      if (opt.verify_all || size_count.count(f.size) >= 2) {
        if (opt.trust_fingerprints && fpd) {
          c.from = ContentFrom::fingerprint;
        } else if (const util::Digest* read = in.content(f)) {
          c.from = ContentFrom::read;
          c.mismatch = fpd && *fpd != *read;
        } else if (fpd) {
          c.from = ContentFrom::fingerprint;
        } else {
          ++row.unreadable;
        }
      }

      FingerprintCounts& fc = row.fingerprints;
      switch (c.view) {
        case Reason::none: ++fc.usable; break;
        case Reason::fingerprint_hidden_by_filter: ++fc.hidden_by_filter; break;
        case Reason::fingerprint_empty: ++fc.empty; break;
        case Reason::fingerprint_too_long: ++fc.too_long; break;
        default: ++fc.missing; break;
      }
      if (f.fingerprint && !fpd) ++fc.not_sha256;
      if (c.hashed() && fpd) ++(c.mismatch ? fc.mismatched : fc.verified);
    }
  };
  parallel_for(inputs.size(), jobs, collect);
  return copies;
}

std::vector<std::vector<u32>> content_groups(const std::vector<Copy>& copies, const std::vector<InputRecord>& inputs,
                                             unsigned jobs) {
  auto content = [&](u32 c) -> const util::Digest& { return *content_of(inputs, copies[c]); };
  // Sort by (digest, size, position); the digests' heads settle almost every comparison.
  struct Key {
    u64 head;
    u32 copy;
  };
  auto less = [&](const Key& a, const Key& b) {
    if (a.head != b.head) return a.head < b.head;
    const Copy& x = copies[a.copy];
    const Copy& y = copies[b.copy];
    const util::Digest& dx = content(a.copy);
    const util::Digest& dy = content(b.copy);
    if (dx != dy) return dx < dy;
    if (x.size != y.size) return x.size < y.size;
    return a.copy < b.copy;
  };
  // SHA-256 digests are uniform: a counting sort on the top 12 bits leaves a few keys per
  // bucket for std::sort (which alone made 15 comparisons per key). Values a hostile image
  // chose all land in one bucket and sort as before. The keys are placed straight from the
  // copies (two passes), so only one array of them exists.
  constexpr unsigned k_bits = 12;
  std::vector<u32> start((std::size_t(1) << k_bits) + 1, 0);
  for (u32 c = 0; c < copies.size(); ++c)
    if (copies[c].known()) ++start[(digest_head(content(c)) >> (64 - k_bits)) + 1];
  for (std::size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  std::vector<Key> sorted(start.back());
  {
    std::vector<u32> fill(start.begin(), start.end() - 1);
    for (u32 c = 0; c < copies.size(); ++c) {
      if (!copies[c].known()) continue;
      const u64 head = digest_head(content(c));
      sorted[fill[head >> (64 - k_bits)]++] = Key{head, c};
    }
  }
  // The buckets are sorted on `jobs` threads, each a range of them (no memory of their own).
  constexpr std::size_t k_ranges = 16;
  const std::size_t buckets = start.size() - 1;
  parallel_for(k_ranges, jobs, [&](std::size_t r) {
    for (std::size_t b = r * buckets / k_ranges; b < (r + 1) * buckets / k_ranges; ++b)
      if (start[b + 1] - start[b] > 1) std::sort(sorted.begin() + start[b], sorted.begin() + start[b + 1], less);
  });

  auto same = [&](const Key& a, const Key& b) {
    return a.head == b.head && copies[a.copy].size == copies[b.copy].size && content(a.copy) == content(b.copy);
  };
  std::vector<std::vector<u32>> groups;
  std::vector<u32> members;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i + 1;
    while (j < sorted.size() && same(sorted[i], sorted[j])) ++j;
    if (j - i >= 2) {
      members.clear();
      for (std::size_t k = i; k < j; ++k) members.push_back(sorted[k].copy);
      groups.push_back(members);
    }
    i = j;
  }
  return groups;
}

namespace {

constexpr std::size_t k_reasons = static_cast<std::size_t>(k_last_reason) + 1;

// What the rows' order compares: saved bytes once tagged, saved now, size (all descending),
// digest. Copied next to an index, so sorts compare within one array.
struct RowKey {
  u64 tagged, now, size, head;
  const util::Digest* digest;  // ties on the head only
  u32 index;
};

RowKey row_key(const GroupRow& g, const util::Digest& digest, u32 index) {
  return RowKey{g.saved_bytes_if_tagged, g.saved_bytes_now, g.size, digest_head(digest), &digest, index};
}

bool saves_more(const RowKey& a, const RowKey& b) {
  if (a.tagged != b.tagged) return a.tagged > b.tagged;
  if (a.now != b.now) return a.now > b.now;
  if (a.size != b.size) return a.size > b.size;
  if (a.head != b.head) return a.head < b.head;
  return *a.digest < *b.digest;
}

bool most_saved_first(const GroupRow& a, const GroupRow& b) {
  return saves_more(row_key(a, a.digest, 0), row_key(b, b.digest, 0));
}

// Sorts rows most saved first through their keys, then moves every row once.
void sort_most_saved_first(std::vector<GroupRow>& rows) {
  std::vector<RowKey> keys;
  keys.reserve(rows.size());
  for (u32 i = 0; i < rows.size(); ++i) keys.push_back(row_key(rows[i], rows[i].digest, i));
  std::sort(keys.begin(), keys.end(), saves_more);
  std::vector<GroupRow> sorted;
  sorted.reserve(rows.size());
  for (const RowKey& k : keys) sorted.push_back(std::move(rows[k.index]));
  rows = std::move(sorted);
}


// The row of one group: status and reason of every copy, and the group's figures. Counts the
// copies that do not share now into `reasons` if given; fills GroupRow::copies if `with_copies`.
GroupRow evaluate_group(const std::vector<Copy>& copies, const std::vector<u32>& members, const Runs& runs,
                        const std::vector<InputRecord>& inputs, u32 page_size, std::vector<u32>& joined_now,
                        std::vector<ReasonRow>* reasons, bool with_copies) {
  const Simulation& now = runs.now;
  const Simulation& tag = runs.tag;
  joined_now.clear();  // shared inodes the group's joined copies are in now, sorted
  for (u32 c : members)
    if (now.joined[c]) joined_now.push_back(now.inode[c]);
  std::sort(joined_now.begin(), joined_now.end());
  // How many copies of this group the shared inode of `c` holds now.
  auto now_count = [&](u32 c) {
    auto [lo, hi] = std::equal_range(joined_now.begin(), joined_now.end(), now.inode[c]);
    return static_cast<u32>(hi - lo);
  };
  GroupRow g;
  if (with_copies) g.copies.reserve(members.size());
  const Copy& first = copies[members.front()];
  g.digest = *content_of(inputs, first);
  g.size = first.size;
  g.page_bytes = page_bytes(g.size, page_size);
  u32 last_input = ~u32(0);
  for (u32 c : members) {
    const Copy& x = copies[c];
    CopyRow row;
    row.input = x.input;
    row.file = &record_of(inputs, x);  // the report keeps the records
    row.io = x.io;
    row.saved_now = now.saved(c);
    row.saved_if_tagged = tag.saved(c);
    if (now.joined[c] && now_count(c) >= 2) {
      row.status = Status::shares_now;
    } else if (tag.joined[c] && tag.shared[tag.inode[c]].members >= 2) {
      row.status = Status::would_share_once_tagged;
      row.reason = why_not_now(copies, c, runs);
    } else {
      row.status = Status::blocked;
      row.reason = why_blocked(copies, c, tag, inputs, members);
    }
    if (reasons && row.status != Status::shares_now) {
      ReasonRow& r = (*reasons)[static_cast<std::size_t>(row.status) * k_reasons + static_cast<std::size_t>(row.reason)];
      r.status = row.status;
      r.reason = row.reason;
      ++r.copies;
      r.bytes += g.page_bytes;
    }
    g.verified = g.verified && x.hashed();
    if (x.input != last_input) ++g.inputs;
    last_input = x.input;
    if (row.saved_now) g.saved_bytes_now += g.page_bytes;
    if (row.saved_if_tagged) g.saved_bytes_if_tagged += g.page_bytes;
    if (with_copies) g.copies.push_back(std::move(row));
  }
  return g;
}

}  // namespace

GroupRowsPart group_rows_part(const std::vector<Copy>& copies, const std::vector<std::vector<u32>>& groups,
                              const Runs& runs, const std::vector<InputRecord>& inputs, u32 page_size,
                              std::size_t begin, std::size_t end, std::size_t keep) {
  GroupRowsPart part;
  part.reasons.resize(3 * k_reasons);  // copies that do not share now, by status and reason
  std::vector<u32> joined_now;
  if (keep == 0 || keep >= end - begin) {
    part.rows.reserve(end - begin);
    for (std::size_t gi = begin; gi < end; ++gi)
      part.rows.push_back(evaluate_group(copies, groups[gi], runs, inputs, page_size, joined_now, &part.reasons, true));
    sort_most_saved_first(part.rows);
    return part;
  }
  // Only the `keep` groups that save the most get rows: every group is evaluated for the
  // reason counts and its sort key, without building its copies; the chosen ones again in full.
  std::vector<RowKey> keys;
  keys.reserve(end - begin);
  for (std::size_t gi = begin; gi < end; ++gi) {
    const GroupRow g = evaluate_group(copies, groups[gi], runs, inputs, page_size, joined_now, &part.reasons, false);
    keys.push_back(row_key(g, *content_of(inputs, copies[groups[gi].front()]), static_cast<u32>(gi)));
  }
  std::partial_sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(keep), keys.end(), saves_more);
  part.rows.reserve(keep);
  for (std::size_t k = 0; k < keep; ++k)
    part.rows.push_back(evaluate_group(copies, groups[keys[k].index], runs, inputs, page_size, joined_now, nullptr, true));
  return part;
}

std::vector<GroupRow> merge_group_rows(std::vector<GroupRowsPart> parts, std::vector<ReasonRow>& reason_rows,
                                       std::size_t keep) {
  std::vector<GroupRow> rows = std::move(parts.front().rows);
  std::vector<ReasonRow> reasons = std::move(parts.front().reasons);
  for (std::size_t p = 1; p < parts.size(); ++p) {
    // Each part is sorted already: one merge pass moves every row once.
    std::vector<GroupRow> merged;
    merged.reserve(rows.size() + parts[p].rows.size());
    std::merge(std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()),
               std::make_move_iterator(parts[p].rows.begin()), std::make_move_iterator(parts[p].rows.end()),
               std::back_inserter(merged), most_saved_first);
    rows = std::move(merged);
    for (std::size_t r = 0; r < reasons.size(); ++r) {
      const ReasonRow& add = parts[p].reasons[r];
      if (add.copies == 0) continue;
      reasons[r].status = add.status;
      reasons[r].reason = add.reason;
      reasons[r].copies += add.copies;
      reasons[r].bytes += add.bytes;
    }
  }
  if (keep > 0 && rows.size() > keep) rows.resize(keep);
  for (const ReasonRow& r : reasons)  // in (status, reason) order
    if (r.copies > 0) reason_rows.push_back(r);
  return rows;
}

}  // namespace core::scan
