// build_report: the sharing model. Two runs of the kernel's decision (sharing.hpp) over every
// inode in instantiation order: "now" with the fingerprint values as stored, and "if tagged"
// with every file carrying the correct "sha256:" value. Content groups, statuses and reasons
// are read off the two runs (grouping.hpp); figures are whole pages per inode.
#include "core/scan/report.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "core/scan/drift.hpp"
#include "core/scan/grouping.hpp"
#include "core/scan/images.hpp"
#include "core/scan/parallel.hpp"
#include "core/scan/totals.hpp"
#include "core/scan/working_set.hpp"

namespace core::scan {

namespace {

InputRow input_row(const InputRecord& in) {
  InputRow row;
  row.name = in.name;
  row.kind = in.kind;
  row.domain = in.domain;
  row.mount_mode = in.mount_mode;
  row.ishare = in.ishare;
  row.fingerprint_xattr = in.fingerprint_xattr;
  row.block_size = in.block_size;
  row.directories = in.directories;
  row.symlinks = in.symlinks;
  row.special_files = in.special_files;
  row.empty_files = in.empty_files;
  row.users = in.users;
  row.hidden_files = in.hidden_files;
  row.hidden_bytes = in.hidden_bytes;
  row.identity = in.identity;
  for (const FileRecord& f : in.files) {
    ++row.files;
    row.paths += in.path_count(f);
    row.data_bytes += f.size;
  }
  return row;
}

// The "now" and "tagged" runs, side by side when `both` runs them at once.
Runs run_decisions(const std::vector<Copy>& copies, const std::vector<InputRecord>& inputs, const ModelOptions& opt,
                   const std::function<void(const std::function<void()>&, const std::function<void()>&)>& both) {
  const u32 n = static_cast<u32>(copies.size());
  Runs runs;
  auto io_of = [&](u32 c) { return copies[c].io; };
  auto size_of = [&](u32 c) { return copies[c].size; };
  auto now = [&] {
    KeyTable keys(n);  // views into the records and copies, which outlive it
    runs.now_keys = keys.ids(n, [&](std::size_t c) -> std::optional<KeyTable::Key> {
      if (copies[c].view != Reason::none) return std::nullopt;
      return KeyTable::Key{record_of(inputs, copies[c]).fingerprint->value, inputs[copies[c].input].domain};
    });
    runs.now = simulate(runs.now_keys, io_of, size_of, keys.size(), opt.assume, opt.page_size);
    runs.now_members = Members(runs.now);
  };
  auto tagged = [&] {
    // Every tagged value is "sha256:" + digest (39 bytes), so the digest and domain identify it.
    KeyTable keys(n);
    const std::vector<u32> ids = keys.ids(n, [&](std::size_t c) -> std::optional<KeyTable::Key> {
      const util::Digest* content = content_of(inputs, copies[c]);
      if (!content || !inputs[copies[c].input].inode_share) return std::nullopt;  // tagging does not help

      return KeyTable::Key{*content, inputs[copies[c].input].domain};
    });
    runs.tag = simulate(ids, io_of, size_of, keys.size(), opt.assume, opt.page_size);
    runs.tag_members = Members(runs.tag);
  };
  both(now, tagged);
  return runs;
}

// Pair overlap: contents present in both inputs, and shared inodes with members in both.
std::vector<PairRow> pair_rows(const std::vector<Copy>& copies, const std::vector<std::vector<u32>>& groups,
                               const Runs& runs, u32 inputs, u32 page_size) {
  PairMatrix pairs(inputs);
  std::vector<u32> ins;  // reused for every group and shared inode
  auto inputs_of = [&](std::span<const u32> members) -> std::vector<u32>& {
    ins.clear();
    for (u32 c : members) ins.push_back(copies[c].input);
    return ins;
  };
  for (const std::vector<u32>& members : groups)
    pairs.add(inputs_of(members), page_bytes(copies[members.front()].size, page_size), &PairRow::common_bytes);
  auto add_shared = [&](const Simulation& sim, const Members& members, u64 PairRow::*field) {
    for (u32 s = 0; s < sim.shared.size(); ++s)
      if (sim.shared[s].members >= 2) pairs.add(inputs_of(members.of(s)), page_bytes(sim.shared[s].size, page_size), field);
  };
  add_shared(runs.now, runs.now_members, &PairRow::shared_bytes_now);
  add_shared(runs.tag, runs.tag_members, &PairRow::shared_bytes_if_tagged);
  return pairs.take();
}

}  // namespace

Report build_report(std::vector<InputRecord> records, const ModelOptions& opt, unsigned jobs, std::size_t keep_groups,
                    std::vector<ImageGroup> images, const Residency* resident) {
  Report rep;
  rep.options = opt;
  rep.records = std::make_shared<const std::vector<InputRecord>>(std::move(records));
  const std::vector<InputRecord>& inputs = *rep.records;
  for (const InputRecord& in : inputs) {
    rep.inputs.push_back(input_row(in));
    rep.files += rep.inputs.back().files;
    rep.data_bytes += rep.inputs.back().data_bytes;
    rep.domains.push_back(in.domain);
  }
  std::sort(rep.domains.begin(), rep.domains.end());
  rep.domains.erase(std::unique(rep.domains.begin(), rep.domains.end()), rep.domains.end());

  const std::vector<Copy> copies = collect_copies(inputs, opt, rep.inputs, jobs);
  // With jobs > 1 the two decision runs run side by side, and so do the group rows and the pair
  // matrix further down. The content groups come first, alone: their sort keys (16 bytes per
  // copy) are freed before the runs' tables exist, which keeps the peak of a fleet lower.
  auto side_by_side = [&](const std::function<void()>& a, const std::function<void()>& b) {
    if (jobs <= 1) {
      a();
      b();
    } else {
      scan::side_by_side(a, b);
    }
  };
  const std::vector<std::vector<u32>> groups = content_groups(copies, inputs, jobs);
  const Runs runs = run_decisions(copies, inputs, opt, side_by_side);

  // Figures per input: every inode's pages, minus those a shared inode serves from another.
  for (u32 c = 0; c < copies.size(); ++c) {
    Figures& f = rep.inputs[copies[c].input].figures;
    const u64 pages = page_bytes(copies[c].size, opt.page_size);
    f.cache_bytes_without_sharing += pages;
    if (runs.now.saved(c)) f.saved_bytes_now += pages;
    if (runs.tag.saved(c)) f.saved_bytes_if_tagged += pages;
  }
  for (InputRow& row : rep.inputs) {
    finish(row.figures);
    add(rep.totals, row.figures);
  }
  image_figures(rep, images, copies, runs, opt.page_size);
  if (resident) rep.resident = resident_figures(*resident, inputs, copies, runs, opt.page_size);

  // The rows of the groups in two parts, the second part after the pair matrix (which takes
  // about a quarter of the rows' time), then merged and sorted.
  const std::size_t split = jobs <= 1 ? groups.size() : groups.size() * 5 / 8;
  std::vector<GroupRowsPart> parts(2);
  side_by_side([&] { parts[0] = group_rows_part(copies, groups, runs, inputs, opt.page_size, 0, split, keep_groups); },
               [&] {
                 rep.pairs = pair_rows(copies, groups, runs, static_cast<u32>(inputs.size()), opt.page_size);
                 parts[1] =
                     group_rows_part(copies, groups, runs, inputs, opt.page_size, split, groups.size(), keep_groups);
               });
  rep.group_count = groups.size();
  rep.groups = merge_group_rows(std::move(parts), rep.reasons, keep_groups);
  rep.drift = build_drift(copies, runs, inputs, opt, jobs);
  return rep;
}

}  // namespace core::scan
