// The scan pipeline, as a list of named steps: read the inputs, decide what to hash (size
// grouping), hash in parallel, write manifests, apply the model.
#include "core/scan/scan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <optional>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

#include "core/container/erofs_inputs.hpp"
#include "core/scan/input_container.hpp"
#include "core/scan/manifest.hpp"
#include "core/scan/parallel.hpp"
#include "core/scan/size_counts.hpp"
#include "core/util/error.hpp"
#include "core/util/input_file.hpp"
#include "core/util/output_guard.hpp"

namespace core::scan {

namespace fs = std::filesystem;

namespace {

// Errors name the input they happened in (some already do).
[[noreturn]] void rethrow_for(const std::string& input) {
  try {
    throw;
  } catch (const Error& e) {
    std::string msg = e.what();
    if (!msg.starts_with(input + ": ") && !msg.starts_with(input + ":")) msg = input + ": " + msg;
    throw Error(msg);
  }
}

// Errors in a container layer name the layer and the image that uses it first.
[[noreturn]] void rethrow_for_layer(const container::Layer& layer) {
  try {
    throw;
  } catch (const Error& e) {
    std::string msg = e.what();
    if (msg.starts_with(layer.name + ": ")) msg.erase(0, layer.name.size() + 2);
    const std::string where = layer.first_use.empty() ? layer.name : fmt::format("{} ({})", layer.name, layer.first_use);
    throw Error(where + ": " + msg);
  }
}

LoadedInput load(const InputSpec& spec, const ScanOptions& opt, ReadCounters& counters) {
  try {
    if (spec.owner) return load_erofs(spec);  // an image of an Android input
    // A tree or archive is not hashed as a whole (a tar's files are, as they stream by); a
    // manifest records no digest of the input it describes.
    auto named = [](LoadedInput in, const char* what) {
      in.record.identity = {"", what};
      return in;
    };
    switch (detect_kind(spec.path)) {
      case DetectedKind::erofs: return load_erofs(spec);
      case DetectedKind::directory:
        return named(load_directory(spec, opt.tree_storage), "none: a directory tree is not hashed as a whole");
      case DetectedKind::tar:
        return named(load_tar(spec, opt.tree_storage, counters), "none: the archive file is not hashed as a whole");
      case DetectedKind::manifest:
        return named(LoadedInput{read_manifest(spec.path), nullptr},
                     "none: a manifest records no digest of the input it was written from");
    }
  } catch (const IoError&) {
    throw;  // names its path already
  } catch (const Error&) {
    rethrow_for(spec.path);
  }
  return {};
}

// One input of the model: a command-line input, or one distinct layer of container inputs.
struct Unit {
  std::size_t spec = 0;                      // the command-line input it came from (the first)
  const container::Layer* layer = nullptr;   // a container layer; null: the input itself
  u32 overlay = 0;                           // layers: index in the overlay view
  std::vector<std::size_t> specs;            // layers: every command-line input using it
  std::string domain;
  MountMode mount_mode = MountMode::block;
};

constexpr u32 k_no_unit = ~u32(0);

// The value an INPUT=VALUE setting gives `spec` (the last that names it), if any.
template <class T>
const T* setting_for(const std::vector<std::pair<std::string, T>>& settings, const std::string& name) {
  const T* out = nullptr;
  for (const auto& [n, v] : settings)
    if (n == name) out = &v;
  return out;
}

// Every INPUT=VALUE must name an input: its path as given, or the name a manifest records.
template <class T>
void check_settings(const std::vector<std::pair<std::string, T>>& settings, const char* option,
                    const std::vector<InputSpec>& specs, const std::vector<LoadedInput>& loaded,
                    const std::vector<Unit>& units) {
  for (const auto& setting : settings) {
    const std::string& name = setting.first;  // (clang 14 cannot capture a structured binding)
    bool found = std::any_of(specs.begin(), specs.end(), [&](const InputSpec& s) { return s.path == name || s.group == name; });
    for (std::size_t i = 0; !found && i < units.size(); ++i) found = !units[i].layer && loaded[i].record.name == name;
    if (!found) throw UsageError(fmt::format("{} {}=...: no input is named {}", option, name, name));
  }
}

// The container an input names (the input interface scan, lint and inspect share); an input
// with --device is an image file.
std::optional<container::ContainerSpec> container_spec(const InputSpec& spec) {
  try {
    if (!spec.devices.empty()) {
      auto t = container::parse_transport(spec.path);
      if (t) throw UsageError("--device is for EROFS images only");
      return t;
    }
    return container::container_input(spec.path);
  } catch (const IoError&) {
    throw;
  } catch (const Error&) {
    rethrow_for(spec.path);
  }
}

container::ContainerSet open_set(const container::ContainerSpec& cspec, const container::OpenOptions& copt,
                                 const std::string& input) {
  try {
    return container::open(cspec, copt);
  } catch (const IoError&) {
    throw;
  } catch (const Error&) {
    rethrow_for(input);
  }
}


// --keep-going: a unit that failed fails every command-line input using it (a container with one
// bad layer is left out whole); units of failed inputs that no surviving input uses are dropped,
// with their images; the rest is renumbered. `trees` (overlay order) follows when not empty.
void drop_failed(std::vector<Unit>& units, std::vector<std::string>& unit_error, std::vector<std::string>& spec_error,
                 std::vector<LoadedInput>& loaded, std::vector<container::LayerTree>& trees,
                 std::vector<ImageGroup>& images, std::vector<std::size_t>& image_spec) {
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (unit_error[i].empty()) continue;
    const std::vector<std::size_t> owners = !units[i].specs.empty() ? units[i].specs : std::vector<std::size_t>{units[i].spec};
    for (std::size_t s : owners)
      if (spec_error[s].empty()) spec_error[s] = unit_error[i];
  }
  std::vector<u32> renumber(units.size(), k_no_unit);
  std::vector<Unit> kept_units;
  std::vector<LoadedInput> kept_loaded;
  std::vector<std::string> kept_errors;
  std::vector<container::LayerTree> kept_trees;
  u32 overlay = 0;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const std::vector<std::size_t> owners = !units[i].specs.empty() ? units[i].specs : std::vector<std::size_t>{units[i].spec};
    const bool alive = unit_error[i].empty() &&
                       std::any_of(owners.begin(), owners.end(), [&](std::size_t s) { return spec_error[s].empty(); });
    if (!alive) continue;
    renumber[i] = static_cast<u32>(kept_units.size());
    Unit u = std::move(units[i]);
    if (u.layer) {
      if (!trees.empty()) kept_trees.push_back(std::move(trees[u.overlay]));
      u.overlay = overlay++;
    }
    kept_units.push_back(std::move(u));
    kept_loaded.push_back(std::move(loaded[i]));
    kept_errors.emplace_back();
  }
  std::vector<ImageGroup> kept_images;
  std::vector<std::size_t> kept_image_spec;
  for (std::size_t k = 0; k < images.size(); ++k) {
    if (!spec_error[image_spec[k]].empty()) continue;
    for (u32& in : images[k].inputs) in = renumber[in];
    kept_images.push_back(std::move(images[k]));
    kept_image_spec.push_back(image_spec[k]);
  }
  units = std::move(kept_units);
  loaded = std::move(kept_loaded);
  unit_error = std::move(kept_errors);
  if (!trees.empty() || overlay == 0) trees = std::move(kept_trees);
  images = std::move(kept_images);
  image_spec = std::move(kept_image_spec);
}

}  // namespace

DetectedKind detect_kind(const std::string& path) {
  // A FIFO, socket or character device is refused here, before anything reads it.
  if (util::check_input_kind(path, true)) return DetectedKind::directory;
  util::InputFd in(path);
  std::vector<char> head(64 * 1024);
  std::size_t got = 0;
  while (got < head.size()) {
    ssize_t n = ::read(in.get(), head.data() + got, head.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, "read", errno);
    if (n == 0) break;
    got += std::size_t(n);
  }
  head.resize(got);
  if (head.size() >= 1028 && load_le32(reinterpret_cast<const u8*>(head.data()) + 1024) == 0xE0F5E1E2)
    return DetectedKind::erofs;
  std::string_view text(head.data(), head.size());
  std::size_t nl = text.find('\n');
  if (nl != std::string_view::npos && is_manifest_header(text.substr(0, nl))) return DetectedKind::manifest;
  return DetectedKind::tar;
}

bool needs_hash(const FileRecord& f, u64 size_count, bool all, bool trust) {
  if (f.has_content()) return false;
  if (trust && f.fingerprint && fingerprint_digest(f.fingerprint->value)) return false;
  return size_count >= 2 || all;
}

std::vector<std::string> manifest_names(const std::vector<std::string>& input_names) {
  std::vector<std::string> out;
  std::map<std::string, unsigned> seen;
  for (const std::string& name : input_names) {
    std::string base = fs::path(name).filename().string();
    if (base.empty() || base == "." || base == "..") base = "input";
    unsigned n = ++seen[base];
    out.push_back(n == 1 ? base + ".ndjson" : fmt::format("{}-{}.ndjson", base, n));
  }
  return out;
}

Report scan(const ScanOptions& opt) {
  if (opt.inputs.empty()) throw UsageError("no inputs given");
  if (opt.model.trust_fingerprints && opt.model.verify_all)
    throw UsageError("--trust-fingerprints and --verify-all exclude each other");
  const u32 page = opt.model.page_size;
  if (page < 512 || page > (u32(1) << 20) || (page & (page - 1)))
    throw UsageError(fmt::format("page size {} is not a power of two between 512 and 1048576", page));
  const unsigned jobs = opt.jobs ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  ReadCounters counters;
  auto report_progress = [&](const char* phase, u64 files_total, u64 bytes_total) {
    return [&, phase, files_total, bytes_total] {
      if (opt.progress) opt.progress(Progress{phase, counters.files, files_total, counters.bytes, bytes_total});
    };
  };

  // 0. Android inputs: a sparse image, super.img or zip of images stands for the EROFS images in
  //    it (core/android), each an input; the images of one file are grouped as one build.
  AndroidInputs android = expand_android_inputs(opt.inputs, opt.keep_going);
  const std::vector<InputSpec>& inputs = android.inputs;

  // 1. Container inputs: their images and layers (small JSON documents, read in order). Each
  //    distinct layer is one input of the model, as containerd mounts it once per node; a layer
  //    given a different domain or mount mode by two inputs is two mounts.
  std::vector<container::ContainerSet> sets;
  std::vector<Unit> units;
  std::vector<ImageGroup> images;
  std::vector<std::size_t> image_spec;  // per image: the command-line input it is in
  std::map<std::tuple<std::string, std::string, MountMode>, std::size_t> layer_unit;
  container::OpenOptions copt;
  copt.platform = opt.platform;
  copt.limits = opt.container_limits;
  const LayerModel layer_model = parse_layer_mkfs_options(opt.layer_mkfs_options);
  u32 overlay_layers = 0;
  std::vector<std::optional<std::size_t>> set_of(inputs.size());  // per input: its set, if a container
  // --keep-going: the first error of each command-line input (it is then left out).
  std::vector<std::string> spec_error = std::move(android.errors);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const InputSpec& spec = inputs[i];
    if (spec.owner || !spec_error[i].empty()) continue;  // an image of an Android input
    try {
      std::optional<container::ContainerSpec> cspec = container_spec(spec);
      if (!cspec) continue;
      container::ContainerSet set = open_set(*cspec, copt, spec.path);
      set_of[i] = sets.size();
      sets.push_back(std::move(set));
    } catch (const Error& e) {
      if (!opt.keep_going) throw;
      spec_error[i] = e.what();
    }
  }
  // Units in command-line order; a container's layers where the container is (the sets no
  // longer move: units point into them).
  std::vector<u32> unit_of_spec(inputs.size(), k_no_unit);  // inputs that are one unit
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const InputSpec& spec = inputs[i];
    // An image of an Android input takes its own setting, else the one its file has.
    const std::string* domain = setting_for(opt.domains, spec.path);
    const MountMode* mode = setting_for(opt.mount_modes, spec.path);
    if (!domain && !spec.group.empty()) domain = setting_for(opt.domains, spec.group);
    if (!mode && !spec.group.empty()) mode = setting_for(opt.mount_modes, spec.group);
    if (!spec_error[i].empty()) continue;
    Unit u;
    u.spec = i;
    u.domain = domain ? *domain : opt.default_domain;
    u.mount_mode = mode ? *mode : opt.default_mount_mode;
    if (!set_of[i]) {
      unit_of_spec[i] = static_cast<u32>(units.size());
      units.push_back(std::move(u));
      continue;
    }
    const container::ContainerSet& set = sets[*set_of[i]];
    std::vector<u32> mine;
    for (const container::Layer& layer : set.layers) {
      // containerd 2.3's fsmeta.erofs merges a chain's layers (its devices) into one view of
      // files the layers hold already: it adds no file of its own.
      if (!layer.devices.empty()) {
        mine.push_back(k_no_unit);
        continue;
      }
      u.layer = &layer;
      auto [it, fresh] = layer_unit.try_emplace(std::make_tuple(layer.id, u.domain, u.mount_mode), units.size());
      if (fresh) {
        u.overlay = overlay_layers++;
        units.push_back(u);
      }
      units[it->second].specs.push_back(i);
      mine.push_back(static_cast<u32>(it->second));
    }
    for (const container::ContainerImage& image : set.images) {
      ImageGroup g;
      g.name = image.name;
      g.platform = image.platform;
      for (u32 l : image.layers)
        if (mine[l] != k_no_unit) g.inputs.push_back(mine[l]);
      images.push_back(std::move(g));
      image_spec.push_back(i);
    }
  }

  // The images of a super.img or zip: one build, left out whole when one of them fails
  // (--keep-going), as a container image is.
  for (const auto& group : android.groups) {
    ImageGroup g;
    g.name = group.first;
    for (std::size_t s : group.second) {
      if (unit_of_spec[s] == k_no_unit) continue;
      g.inputs.push_back(unit_of_spec[s]);
      units[unit_of_spec[s]].specs = group.second;
    }
    if (g.inputs.empty()) continue;
    images.push_back(std::move(g));
    image_spec.push_back(group.second.front());
  }

  // 2. Read every input's metadata (archives and tar layers are hashed as they stream by).
  std::vector<LoadedInput> loaded(units.size());
  std::vector<container::LayerTree> trees(overlay_layers);
  std::vector<std::string> unit_error(units.size());
  parallel_for(units.size(), jobs, [&](std::size_t i) {
    const Unit& u = units[i];
    try {
      if (!u.layer) {
        loaded[i] = load(inputs[u.spec], opt, counters);
        loaded[i].record.shrink_to_fit();
        return;
      }
      try {
        container::verify_layer(*u.layer, u.layer->name);
        loaded[i] = load_layer(*u.layer, layer_model, opt.container_limits, counters, trees[u.overlay]);
        loaded[i].record.shrink_to_fit();
        // verify_layer has checked the blob against its digest (where the input names one). A
        // layer without one (a docker archive's layer.tar, a containerd node's layer.erofs) is
        // named by its chain ID or diffID, or else keeps the EROFS image's identity.
        InputIdentity& id = loaded[i].record.identity;
        if (!u.layer->digest.empty())
          id = {u.layer->digest, "layer blob digest, checked against the blob"};
        else if (u.layer->id.starts_with("sha256:"))
          id = {u.layer->id, "layer chain ID or diffID (the layer has no blob digest; the blob is not hashed)"};
      } catch (const IoError&) {
        throw;
      } catch (const Error&) {
        rethrow_for_layer(*u.layer);
      }
    } catch (const Error& e) {
      if (!opt.keep_going) throw;
      unit_error[i] = e.what();
    }
  }, report_progress("reading", 0, 0));
  if (opt.keep_going) {
    drop_failed(units, unit_error, spec_error, loaded, trees, images, image_spec);
    overlay_layers = static_cast<u32>(trees.size());
  }
  for (std::size_t i = 0; i < units.size(); ++i) {
    loaded[i].record.domain = units[i].domain;
    loaded[i].record.mount_mode = units[i].mount_mode;
  }
  // Manifest inputs may be named by the input name they record.
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (units[i].layer) continue;
    const std::string& name = loaded[i].record.name;
    if (name == inputs[units[i].spec].path) continue;
    if (const std::string* d = setting_for(opt.domains, name)) loaded[i].record.domain = *d;
    if (const MountMode* m = setting_for(opt.mount_modes, name)) loaded[i].record.mount_mode = *m;
  }
  check_settings(opt.domains, "--domain", inputs, loaded, units);
  check_settings(opt.mount_modes, "--mount-mode", inputs, loaded, units);

  // 3. The overlay view: files that no image using their layer shows are never read through a
  //    container's root; they are counted as hidden and leave the model.
  if (overlay_layers > 0) {
    std::vector<container::ContainerImage> stacks;
    std::vector<InputRecord*> layer_records(overlay_layers);
    for (std::size_t i = 0; i < units.size(); ++i)
      if (units[i].layer) layer_records[units[i].overlay] = &loaded[i].record;
    for (const ImageGroup& g : images) {
      if (g.inputs.empty() || !units[g.inputs.front()].layer) continue;  // an Android build: no overlay
      container::ContainerImage c;
      c.name = g.name;
      for (u32 unit : g.inputs) c.layers.push_back(units[unit].overlay);
      stacks.push_back(std::move(c));
    }
    const container::OverlayView view(stacks, trees);
    apply_overlay(view, layer_records, page);
    trees.clear();
  }

  // 2. Size grouping: a size held by one inode only cannot share, so its content is not read
  //    (unless every file is wanted: --verify-all, or manifests that others will merge).
  //    Sizes are counted only if some file may be read at all: with --trust-fingerprints on
  //    tagged images, none is.
  // --manifest-cache: images seen before take their contents from the cache (every file of a
  // cached image is hashed, as for --manifest-out, so one entry serves any fleet).
  std::optional<ManifestCache> cache;
  std::vector<char> cache_fill(units.size(), 0);
  if (!opt.manifest_cache.empty()) {
    cache.emplace(opt.manifest_cache, opt.model.trust_fingerprints ? "trust1" : "trust0", opt.tool_version);
    for (std::size_t i = 0; i < units.size(); ++i) {
      const InputSpec& spec = inputs[units[i].spec];
      if (units[i].layer || !loaded[i].source || loaded[i].record.kind != InputKind::erofs || !spec.devices.empty() ||
          spec.owner)  // the cache's stat index needs a file of its own
        continue;
      std::optional<InputRecord> cached = cache->lookup(i, spec.path, loaded[i].record);
      loaded[i].record.identity = {"sha256:" + cache->image_sha256(i),
                                   "image file SHA-256 (manifest cache: hashed when first seen, then known by its "
                                   "size, times and inode)"};
      if (!cached) {
        cache_fill[i] = 1;
        continue;
      }
      for (std::size_t k = 0; k < cached->files.size(); ++k) {
        FileRecord& f = loaded[i].record.files[k];
        if (const util::Digest* d = cached->content(cached->files[k])) loaded[i].record.set_content(f, *d);
        if (const std::string& e = cached->content_error(cached->files[k]); !e.empty())
          loaded[i].record.set_content_error(f, e);
      }
      loaded[i].source.reset();  // nothing of it is read
    }
  }
  const bool all = opt.model.verify_all || !opt.manifest_out.empty() || cache;
  std::optional<SizeCounts> size_count;
  if (!all) {
    std::size_t total = 0;
    bool any = false;
    for (const LoadedInput& in : loaded) {
      total += in.record.files.size();
      for (const FileRecord& f : in.record.files) any = any || needs_hash(f, 2, false, opt.model.trust_fingerprints);
    }
    if (any) {
      size_count.emplace(total);
      for (const LoadedInput& in : loaded)
        for (const FileRecord& f : in.record.files) size_count->add(f.size);
    }
  }
  auto count_of = [&](u64 size) -> u64 { return size_count ? size_count->count(size) : 0; };
  struct Job {  // 8 bytes: one per file to hash, millions in a fleet
    u32 input;
    u32 file;
  };
  std::vector<Job> work;
  u64 work_bytes = 0;
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (!loaded[i].source) continue;
    const auto& files = loaded[i].record.files;
    const std::size_t first = work.size();
    for (std::size_t k = 0; k < files.size(); ++k) {
      if (!needs_hash(files[k], count_of(files[k].size), all, opt.model.trust_fingerprints)) continue;
      work.push_back({static_cast<u32>(i), static_cast<u32>(k)});
      work_bytes += files[k].size;
    }
    // Read each image in on-disk order (nid order follows mkfs's layout).
    std::sort(work.begin() + static_cast<std::ptrdiff_t>(first), work.end(),
              [&](const Job& a, const Job& b) { return files[a.file].locator < files[b.file].locator; });
  }
  size_count.reset();  // not needed again: the model counts sizes of its own
  // Large files go first, largest first: one hashed last would leave the other threads idle
  // while it finishes (a 110 MB library is 60 ms of SHA-256). Each is still read in order.
  constexpr u64 k_large = 8 << 20;
  auto size_of = [&](const Job& j) { return loaded[j.input].record.files[j.file].size; };
  std::stable_partition(work.begin(), work.end(), [&](const Job& j) { return size_of(j) >= k_large; });
  auto large_end = std::find_if(work.begin(), work.end(), [&](const Job& j) { return size_of(j) < k_large; });
  std::stable_sort(work.begin(), large_end, [&](const Job& a, const Job& b) { return size_of(a) > size_of(b); });

  // 3. Hash in parallel; each inode once. Unreadable data is recorded, not fatal.
  std::mutex hash_error_mutex;
  counters.files = 0;
  counters.bytes = 0;
  parallel_for(work.size(), jobs, [&](std::size_t w) {
    LoadedInput& in = loaded[work[w].input];
    FileRecord& f = in.record.files[work[w].file];
    try {
      const util::Digest digest = in.source->digest(f, counters);
      std::lock_guard lock(hash_error_mutex);  // the input's content list is shared by its files
      in.record.set_content(f, digest);
    } catch (const Unsupported& e) {
      std::lock_guard lock(hash_error_mutex);  // the input's error list is shared by its files
      in.record.set_content_error(f, e.what());
    } catch (const DataUnavailable& e) {
      std::lock_guard lock(hash_error_mutex);
      in.record.set_content_error(f, e.what());
    } catch (const Error& e) {
      try {
        if (units[work[w].input].layer) rethrow_for_layer(*units[work[w].input].layer);
        rethrow_for(inputs[units[work[w].input].spec].path);
      } catch (const Error& named) {
        if (!opt.keep_going) throw;
        std::lock_guard lock(hash_error_mutex);
        if (unit_error[work[w].input].empty()) unit_error[work[w].input] = named.what();
      }
    }
    ++counters.files;
  }, report_progress("hashing", work.size(), work_bytes));
  work = {};

  if (cache) {
    for (std::size_t i = 0; i < units.size(); ++i)
      if (cache_fill[i] && unit_error[i].empty()) cache->remember(i, loaded[i].record);
    cache->stats().file_bytes_read = counters.bytes;
    if (opt.cache_stats) *opt.cache_stats = cache->stats();
  }
  if (opt.keep_going) {
    std::vector<container::LayerTree> no_trees;
    drop_failed(units, unit_error, spec_error, loaded, no_trees, images, image_spec);
  }

  // 4. Manifests: one per input, for merging later.
  std::vector<InputRecord> records;
  for (LoadedInput& in : loaded) {
    in.source.reset();
    in.record.contents.shrink_to_fit();  // grown while hashing
    records.push_back(std::move(in.record));
  }
  if (!opt.manifest_out.empty()) {
    std::error_code ec;
    fs::create_directories(opt.manifest_out, ec);
    if (ec) throw IoError(opt.manifest_out, "mkdir", ec.value());
    std::vector<std::string> names;
    for (const auto& r : records) names.push_back(r.name);
    std::vector<std::string> files = manifest_names(names);
    // The names of manifest inputs come from their headers: check them against the inputs too.
    util::OutputGuard guard;
    for (const InputSpec& spec : inputs) {
      guard.input_or_tree(spec.group.empty() ? spec.path : spec.group);  // an Android image: its file
      for (const std::string& d : spec.devices) guard.input(d, "--device");
    }
    for (const std::string& file : files) guard.output((fs::path(opt.manifest_out) / file).string(), "--manifest-out");
    for (std::size_t i = 0; i < records.size(); ++i)
      write_manifest(records[i], (fs::path(opt.manifest_out) / files[i]).string());
  }

  // 5. The model.
  Report report = build_report(std::move(records), opt.model, jobs, opt.group_rows, std::move(images), opt.resident);
  report.tool_version = opt.tool_version;
  trim_drift(report.drift, opt.drift_rows);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!spec_error[i].empty()) report.input_errors.push_back({inputs[i].path, spec_error[i]});
  return report;
}

}  // namespace core::scan
