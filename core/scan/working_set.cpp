// The working-set saving of scan --resident (working_set.hpp).
#include "core/scan/working_set.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "core/util/error.hpp"
#include "core/util/output_guard.hpp"

namespace core::scan {

namespace {

constexpr std::size_t k_examples = 10;

std::string normal_path(const std::string& p) {
  std::string s = std::filesystem::path(p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string absolute_normal(const std::string& p) {
  std::error_code ec;
  const auto abs = std::filesystem::absolute(p, ec);
  return ec ? normal_path(p) : normal_path(abs.string());
}

// A record's path relative to `mount` ("/" + the rest), if the mount point holds it.
std::optional<std::string> under(const std::string& path, const std::string& mount) {
  if (mount == "/") return path.starts_with('/') ? std::optional(path) : std::nullopt;
  if (path.size() <= mount.size() + 1 || !path.starts_with(mount) || path[mount.size()] != '/') return std::nullopt;
  return path.substr(mount.size());
}

struct Target {
  u32 input = 0;
  std::string path;  // in the image
};

class Mapper {
public:
  Mapper(const Residency& r, const std::vector<InputRecord>& inputs) : m_res(r), m_inputs(inputs) {
    for (const ResidentRoot& root : r.roots) {
      std::optional<u32> found;
      for (u32 i = 0; i < inputs.size() && !found; ++i)
        if (inputs[i].name == root.input) found = i;
      if (!found)
        throw UsageError(fmt::format("--resident-root {}={}: no input is named {}", root.mount, root.input, root.input));
      m_roots.push_back({root.mount, *found});
    }
  }

  std::optional<Target> map(const ResidencyRecord& rec) {
    if (m_res.format == ResidencyFormat::fincore) {
      const std::string path = normal_path(rec.path);
      const Root* best = nullptr;
      std::optional<std::string> rest;
      for (const Root& root : m_roots) {
        if (best && best->mount.size() >= root.mount.size()) continue;
        if (auto r = under(path, root.mount)) {
          best = &root;
          rest = std::move(r);
        }
      }
      if (!best) return std::nullopt;
      return Target{best->input, *rest};
    }
    const std::string mount = normal_path(rec.mount);
    for (auto it = m_roots.rbegin(); it != m_roots.rend(); ++it)  // the last that names it
      if (it->mount == mount) return Target{it->input, normal_path(rec.path)};
    const std::optional<u32> input = input_of_image(rec.image);
    if (!input) return std::nullopt;
    return Target{*input, normal_path(rec.path)};
  }

private:
  struct Root {
    std::string mount;
    u32 input;
  };
  // The input that is the image file (by identity, else by absolute path), looked up once.
  std::optional<u32> input_of_image(const std::string& image) {
    auto [it, fresh] = m_images.try_emplace(image);
    if (!fresh) return it->second;
    const std::string wanted = absolute_normal(image);
    for (u32 i = 0; i < m_inputs.size() && !it->second; ++i)
      if (util::same_file(m_inputs[i].name, image) || absolute_normal(m_inputs[i].name) == wanted) it->second = i;
    return it->second;
  }

  const Residency& m_res;
  const std::vector<InputRecord>& m_inputs;
  std::vector<Root> m_roots;
  std::map<std::string, std::optional<u32>> m_images;
};

// What the records say of one path of one input.
struct PathResidency {
  u64 bytes = 0;    // the largest of its records
  u32 records = 0;
  bool matched = false;
  std::size_t first = 0;  // the index of its first record
};

// Per shared inode of two or more members: the sum of their resident bytes minus the union.
void add_saving(const Simulation& sim, const Members& members, const std::vector<u64>& resident, u32 page_size,
                u64& estimate, u64& at_least) {
  for (u32 s = 0; s < sim.shared.size(); ++s) {
    if (sim.shared[s].members < 2) continue;
    u64 sum = 0, largest = 0;
    for (u32 c : members.of(s)) {
      sum += resident[c];
      largest = std::max(largest, resident[c]);
    }
    estimate += sum - largest;
    at_least += sum - std::min(sum, page_bytes(sim.shared[s].size, page_size));
  }
}

}  // namespace

ResidentFigures resident_figures(const Residency& residency, const std::vector<InputRecord>& inputs,
                                 const std::vector<Copy>& copies, const Runs& runs, u32 page_size) {
  ResidentFigures out;
  out.file = residency.file;
  out.format = residency_format_name(residency.format);
  out.records = residency.records.size();
  Mapper mapper(residency, inputs);
  std::vector<std::unordered_map<std::string, PathResidency>> by_input(inputs.size());
  std::vector<std::size_t> unmatched;  // record indices
  for (std::size_t r = 0; r < residency.records.size(); ++r) {
    const ResidencyRecord& rec = residency.records[r];
    const std::optional<Target> t = mapper.map(rec);
    if (!t) {
      ++out.unmatched_input;
      unmatched.push_back(r);
      continue;
    }
    PathResidency& p = by_input[t->input][t->path];
    p.bytes = std::max(p.bytes, rec.resident_bytes);
    if (p.records++ == 0) p.first = r;
  }
  // Each copy's resident bytes: the largest of the records naming one of its paths.
  std::vector<std::vector<u32>> copy_of(inputs.size());
  for (u32 i = 0; i < inputs.size(); ++i)
    if (!by_input[i].empty()) copy_of[i].assign(inputs[i].files.size(), ~u32(0));
  for (u32 c = 0; c < copies.size(); ++c)
    if (!copy_of[copies[c].input].empty()) copy_of[copies[c].input][copies[c].file] = c;
  std::vector<u64> resident(copies.size(), 0);
  for (u32 i = 0; i < inputs.size(); ++i) {
    if (by_input[i].empty()) continue;
    const InputRecord& in = inputs[i];
    for (u32 k = 0; k < in.files.size(); ++k) {
      const FileRecord& f = in.files[k];
      std::optional<u64> bytes;
      for (const std::string& path : in.paths(f)) {
        auto it = by_input[i].find(path);
        if (it == by_input[i].end()) continue;
        it->second.matched = true;
        bytes = std::max(bytes.value_or(0), it->second.bytes);
      }
      if (!bytes || copy_of[i][k] == ~u32(0)) continue;
      ++out.files;
      const u64 pages = page_bytes(f.size, page_size);
      if (*bytes > pages) ++out.clamped;
      resident[copy_of[i][k]] = std::min(*bytes, pages);
      out.resident_bytes += resident[copy_of[i][k]];
    }
    for (const auto& entry : by_input[i]) {
      const PathResidency& p = entry.second;
      if (p.matched) {
        out.matched += p.records;
      } else {
        out.unmatched_path += p.records;
        unmatched.push_back(p.first);
      }
    }
  }
  // The first few in file order, named as the file names them (a status record: mount + path).
  std::sort(unmatched.begin(), unmatched.end());
  for (std::size_t k = 0; k < unmatched.size() && k < k_examples; ++k) {
    const ResidencyRecord& rec = residency.records[unmatched[k]];
    out.unmatched_examples.push_back(rec.mount.empty() ? rec.path : normal_path(rec.mount + "/" + rec.path));
  }
  add_saving(runs.now, runs.now_members, resident, page_size, out.saved_bytes_now, out.saved_bytes_now_at_least);
  add_saving(runs.tag, runs.tag_members, resident, page_size, out.saved_bytes_if_tagged,
             out.saved_bytes_if_tagged_at_least);
  return out;
}

}  // namespace core::scan
