// Build drift (drift.hpp): every name of every input hashed, names that occur in two or more
// inputs joined, their copies compared and what they would share if they held one content.
#include "core/scan/drift.hpp"

#include <algorithm>
#include <map>
#include <string_view>

#include <xxhash.h>

#include "core/scan/grouping.hpp"
#include "core/scan/parallel.hpp"

namespace core::scan {

namespace {

struct NameEntry {
  u64 hash = 0;
  u32 copy = 0;  // index into the copies
  u32 name = 0;  // PathTable id in the copy's input
};

// Whether the tagged run shares `c` with some other file already (it joined a shared inode of
// two or more members).
bool shares_once_tagged(const Runs& runs, u32 c) {
  return runs.tag.joined[c] && runs.tag.shared[runs.tag.inode[c]].members >= 2;
}

// What one class of copies (one domain, one I/O class, inode_share) would save with one content.
u64 bucket_saving(const std::vector<Copy>& copies, const Runs& runs, const std::vector<u32>& bucket, u32 page_size) {
  u64 saved = 0;
  bool any_shares = false;
  bool anchor_left = true;  // the first copy not sharing yet would hold the shared inode
  u64 anchor_pages = 0;
  for (u32 c : bucket) {
    if (shares_once_tagged(runs, c)) {
      any_shares = true;
      continue;
    }
    const u64 pages = page_bytes(copies[c].size, page_size);
    if (anchor_left) {
      anchor_left = false;
      anchor_pages = pages;
    }
    saved += pages;
  }
  return any_shares || anchor_left ? saved : saved - anchor_pages;
}

// The savings of one path's copies (in instantiation order), per the rule in drift.hpp.
u64 path_saving(const std::vector<Copy>& copies, const Runs& runs, const std::vector<InputRecord>& inputs,
                const std::vector<u32>& path_copies, const ModelOptions& opt) {
  std::vector<std::string_view> domains;
  for (u32 c : path_copies)
    if (inputs[copies[c].input].inode_share) domains.push_back(inputs[copies[c].input].domain);
  std::sort(domains.begin(), domains.end());
  domains.erase(std::unique(domains.begin(), domains.end()), domains.end());
  u64 total = 0;
  std::vector<u32> bucket;
  for (std::string_view domain : domains) {
    std::vector<IoClass> classes;  // in order of first appearance
    for (u32 c : path_copies) {
      const Copy& x = copies[c];
      if (!inputs[x.input].inode_share || inputs[x.input].domain != domain) continue;
      if (std::find(classes.begin(), classes.end(), x.io) == classes.end()) classes.push_back(x.io);
    }
    u64 best = 0;
    for (std::size_t k = 0; k < classes.size(); ++k) {
      bucket.clear();
      for (u32 c : path_copies) {
        const Copy& x = copies[c];
        if (inputs[x.input].inode_share && inputs[x.input].domain == domain && x.io == classes[k]) bucket.push_back(c);
      }
      const u64 saving = bucket_saving(copies, runs, bucket, opt.page_size);
      if (k == 0 || saving > best) best = saving;
      if (opt.assume == Assume::order) break;  // the first copy fixes the class
    }
    total += best;
  }
  return total;
}

// Fills `row` from the copies of one path; false if they hold one content or cannot be told
// apart (`undetermined`).
bool compare_copies(const std::vector<Copy>& copies, const std::vector<InputRecord>& inputs,
                    const std::vector<u32>& path_copies, DriftPath& row, bool& undetermined) {
  row.size_min = row.size_max = copies[path_copies.front()].size;
  std::vector<std::pair<u64, util::Digest>> known;
  u32 unknown = 0;
  for (u32 c : path_copies) {
    const Copy& x = copies[c];
    row.size_min = std::min(row.size_min, x.size);
    row.size_max = std::max(row.size_max, x.size);
    if (const util::Digest* d = content_of(inputs, x))
      known.emplace_back(x.size, *d);
    else
      ++unknown;
  }
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  row.contents = static_cast<u32>(known.size()) + unknown;
  undetermined = false;
  if (row.size_min != row.size_max || known.size() >= 2) return true;
  undetermined = unknown > 0;
  return false;
}

bool saves_more(const DriftPath& a, const DriftPath& b) {
  if (a.saved_bytes_if_reproducible != b.saved_bytes_if_reproducible)
    return a.saved_bytes_if_reproducible > b.saved_bytes_if_reproducible;
  return a.path < b.path;
}

}  // namespace

std::string drift_prefix(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : path.substr(0, slash);
}

void trim_drift(Drift& drift, std::size_t rows) {
  if (rows == 0) return;
  if (drift.rows.size() > rows) drift.rows.resize(rows);
  if (drift.prefixes.size() > rows) drift.prefixes.resize(rows);
}

Drift build_drift(const std::vector<Copy>& copies, const Runs& runs, const std::vector<InputRecord>& inputs,
                  const ModelOptions& opt, unsigned jobs) {
  Drift drift;
  if (inputs.size() < 2) return drift;
  // Every name of every copy, hashed; each input fills its own range (copies are in input order).
  std::vector<std::size_t> first_copy(inputs.size() + 1, 0), first_name(inputs.size() + 1, 0);
  for (u32 c = 0; c < copies.size(); ++c) {
    ++first_copy[copies[c].input + 1];
    first_name[copies[c].input + 1] += inputs[copies[c].input].path_count(record_of(inputs, copies[c]));
  }
  for (std::size_t k = 1; k <= inputs.size(); ++k) {
    first_copy[k] += first_copy[k - 1];
    first_name[k] += first_name[k - 1];
  }
  std::vector<NameEntry> names(first_name.back());
  parallel_for(inputs.size(), jobs, [&](std::size_t k) {
    const InputRecord& in = inputs[k];
    NameEntry* out = names.data() + first_name[k];
    auto add = [&](u32 copy, u32 id) {
      const std::string path = in.names.str(id);
      *out++ = NameEntry{XXH3_64bits(path.data(), path.size()), copy, id};
    };
    for (std::size_t c = first_copy[k]; c < first_copy[k + 1]; ++c) {
      const FileRecord& f = record_of(inputs, copies[c]);
      add(static_cast<u32>(c), f.path);
      if (f.extra)
        for (u32 id : in.extras[f.extra - 1].links) add(static_cast<u32>(c), id);
    }
  });
  std::sort(names.begin(), names.end(), [](const NameEntry& a, const NameEntry& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.copy < b.copy;
  });

  std::map<std::string, DriftPrefix> prefixes;
  std::vector<std::pair<std::string, u32>> run;  // the names of one hash: (path, copy)
  std::vector<u32> path_copies;
  for (std::size_t i = 0; i < names.size();) {
    std::size_t j = i + 1;
    while (j < names.size() && names[j].hash == names[i].hash) ++j;
    if (j - i >= 2) {  // a name in one input only is never drift
      run.clear();
      for (std::size_t k = i; k < j; ++k)
        run.emplace_back(inputs[copies[names[k].copy].input].names.str(names[k].name), names[k].copy);
      std::sort(run.begin(), run.end());  // by path, then copy (input order)
      for (std::size_t a = 0; a < run.size();) {
        std::size_t b = a + 1;
        while (b < run.size() && run[b].first == run[a].first) ++b;
        path_copies.clear();
        for (std::size_t k = a; k < b; ++k) path_copies.push_back(run[k].second);
        DriftPath row;
        bool undetermined = false;
        if (path_copies.size() >= 2 && compare_copies(copies, inputs, path_copies, row, undetermined)) {
          row.path = run[a].first;
          for (u32 c : path_copies) {
            row.inputs.push_back(copies[c].input);
            row.page_bytes += page_bytes(copies[c].size, opt.page_size);
          }
          row.saved_bytes_if_reproducible = path_saving(copies, runs, inputs, path_copies, opt);
          ++drift.paths;
          drift.copies += path_copies.size();
          drift.page_bytes += row.page_bytes;
          drift.saved_bytes_if_reproducible += row.saved_bytes_if_reproducible;
          DriftPrefix& p = prefixes[drift_prefix(row.path)];
          ++p.paths;
          p.copies += path_copies.size();
          p.page_bytes += row.page_bytes;
          p.saved_bytes_if_reproducible += row.saved_bytes_if_reproducible;
          drift.rows.push_back(std::move(row));
        } else if (undetermined) {
          ++drift.undetermined_paths;
        }
        a = b;
      }
    }
    i = j;
  }
  std::sort(drift.rows.begin(), drift.rows.end(), saves_more);
  for (auto& entry : prefixes) {
    entry.second.prefix = entry.first;
    drift.prefixes.push_back(std::move(entry.second));
  }
  std::stable_sort(drift.prefixes.begin(), drift.prefixes.end(), [](const DriftPrefix& a, const DriftPrefix& b) {
    return a.saved_bytes_if_reproducible > b.saved_bytes_if_reproducible;  // the map gave prefix order
  });
  drift.prefix_count = drift.prefixes.size();
  return drift;
}

}  // namespace core::scan
