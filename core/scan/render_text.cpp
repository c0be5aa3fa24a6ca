// The readable text report.
#include <algorithm>

#include <fmt/format.h>

#include "core/scan/render.hpp"
#include "core/scan/totals.hpp"
#include "core/util/display.hpp"

namespace core::scan {

std::string human_bytes(u64 bytes) {
  static const char* const k_units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, k_units[u]);
}

namespace {

std::string saved(u64 bytes, u64 whole) {
  return fmt::format("{} ({:.2f}%)", human_bytes(bytes), percent(bytes, whole));
}

// Container images: what layer identity shares already, then per image and per pair of images
// what inode sharing adds across layers, now and once tagged.
void images_text(std::string& o, const Report& r, std::size_t top) {
  const LayerFigures& lf = r.layers;
  std::vector<u32> layers;  // the distinct layers of every image
  for (const ImageRow& img : r.images) layers.insert(layers.end(), img.inputs.begin(), img.inputs.end());
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
  o += fmt::format("\nContainer images: {} image{} on {} distinct layer{} (each mounted once)\n", r.images.size(),
                   r.images.size() == 1 ? "" : "s", layers.size(), layers.size() == 1 ? "" : "s");
  o += fmt::format("  {:<38} {:>16}  {}\n", "page cache, each image on its own", lf.cache_bytes_per_image,
                   human_bytes(lf.cache_bytes_per_image));
  o += fmt::format("  {:<38} {:>16}  saves {}\n", "one mount per distinct layer",
                   lf.cache_bytes_per_image - lf.saved_by_layer_identity,
                   saved(lf.saved_by_layer_identity, lf.cache_bytes_per_image));
  o += fmt::format("  {:<38} {:>16}  {} files no image shows (not counted)\n", "hidden by upper layers",
                   lf.hidden_bytes, lf.hidden_files);
  o += "  Per image: CACHE its layers alone; LAYER-SHARED of that in layers another image uses (cached once);\n"
       "  SAVED NOW / IF TAGGED served by a shared inode another file created; HIDDEN in its layers, never read.\n";
  o += fmt::format("  {:>3} {:>9} {:>12} {:>12} {:>12} {:>12} {:>12}  {:<14} {}\n", "#", "FILES", "CACHE",
                   "LAYER-SHARED", "SAVED NOW", "IF TAGGED", "HIDDEN", "PLATFORM", "NAME");
  for (std::size_t i = 0; i < r.images.size(); ++i) {
    const ImageRow& img = r.images[i];
    std::string layers_list;
    for (u32 p : img.inputs) layers_list += fmt::format("{}{}", layers_list.empty() ? "" : " ", p);
    o += fmt::format("  {:>3} {:>9} {:>12} {:>12} {:>12} {:>12} {:>12}  {:<14} {} (layers {})\n", i, img.files,
                     human_bytes(img.cache_bytes), human_bytes(img.shared_by_layers), human_bytes(img.saved_bytes_now),
                     human_bytes(img.saved_bytes_if_tagged), human_bytes(hidden_bytes_of(r, img)),
                     img.platform.empty() ? "-" : util::display(img.platform), util::display(img.name), layers_list);
  }
  if (r.image_pairs.empty()) return;
  std::vector<const ImagePairRow*> pairs;
  for (const ImagePairRow& p : r.image_pairs) pairs.push_back(&p);
  std::stable_sort(pairs.begin(), pairs.end(), [](const ImagePairRow* a, const ImagePairRow* b) {
    return a->common_layer_bytes + a->shared_bytes_if_tagged > b->common_layer_bytes + b->shared_bytes_if_tagged;
  });
  if (top > 0 && pairs.size() > top) pairs.resize(top);
  o += fmt::format("\nImage pairs{}: common layers (shared by layer identity), and what inode sharing adds across "
                   "layers\n  {:>3} {:>3} {:>14} {:>12} {:>12}\n",
                   pairs.size() < r.image_pairs.size()
                       ? fmt::format(" (top {} of {} pairs)", pairs.size(), r.image_pairs.size())
                       : "",
                   "A", "B", "COMMON LAYERS", "SHARED NOW", "IF TAGGED");
  for (const ImagePairRow* p : pairs)
    o += fmt::format("  {:>3} {:>3} {:>14} {:>12} {:>12}\n", p->a, p->b, human_bytes(p->common_layer_bytes),
                     human_bytes(p->shared_bytes_now), human_bytes(p->shared_bytes_if_tagged));
}

// scan --resident: the saving of the pages read, next to the every-file figures above.
std::string resident_text(const ResidentFigures& x, const Figures& t) {
  std::string o = fmt::format("\nPages read, from {} ({}): {} records, {} matched, {} unmatched", util::display(x.file),
                              x.format, x.records, x.matched, x.unmatched_input + x.unmatched_path);
  if (x.unmatched_input + x.unmatched_path)
    o += fmt::format(" ({} with no input, {} no such file)", x.unmatched_input, x.unmatched_path);
  o += ":\n";
  for (const std::string& e : x.unmatched_examples) o += fmt::format("  unmatched: {}\n", util::display(e));
  o += fmt::format("  {:<22} {:>16}  {} in {} files{}\n", "resident, no sharing", x.resident_bytes,
                   human_bytes(x.resident_bytes), x.files,
                   x.clamped ? fmt::format(" ({} above the file's pages, counted as its pages)", x.clamped) : "");
  o += fmt::format("  {:<22} {:>16}  saves {}, at least {}; every file: {}\n", "with sharing now",
                   x.resident_bytes - x.saved_bytes_now, saved(x.saved_bytes_now, x.resident_bytes),
                   human_bytes(x.saved_bytes_now_at_least), human_bytes(t.saved_bytes_now));
  o += fmt::format("  {:<22} {:>16}  saves {}, at least {}; every file: {}\n", "once all are tagged",
                   x.resident_bytes - x.saved_bytes_if_tagged, saved(x.saved_bytes_if_tagged, x.resident_bytes),
                   human_bytes(x.saved_bytes_if_tagged_at_least), human_bytes(t.saved_bytes_if_tagged));
  return o;
}

// Build drift (drift.hpp): the totals, then the top paths and prefixes with exact byte counts.
void drift_text(std::string& o, const Report& r) {
  const Drift& d = r.drift;
  if (d.paths == 0 && d.undetermined_paths == 0) {
    o += "\nBuild drift: no path of a regular file in several inputs holds different contents\n";
    return;
  }
  o += fmt::format("\nBuild drift: {} path{} in several inputs whose contents differ ({} copies, {} of page cache); {} "
                   "would share if the builds were reproducible\n",
                   d.paths, d.paths == 1 ? "" : "s", d.copies, human_bytes(d.page_bytes),
                   human_bytes(d.saved_bytes_if_reproducible));
  if (d.undetermined_paths)
    o += fmt::format("  {} path{} of one size in several inputs could not be compared (content not read)\n",
                     d.undetermined_paths, d.undetermined_paths == 1 ? "" : "s");
  if (d.rows.empty()) return;
  auto of = [](std::size_t shown, u64 all) {
    return shown < all ? fmt::format("top {} of {}", shown, all) : fmt::format("all {}", all);
  };
  o += fmt::format("  Paths ({}), by bytes that would share if reproducible:\n  {:>16} {:>12} {:>6} {:>8} {:>21}  {}\n",
                   of(d.rows.size(), d.paths), "IF REPRODUCIBLE", "PAGE BYTES", "COPIES", "CONTENTS", "SIZE", "PATH");
  for (const DriftPath& p : d.rows) {
    const std::string size =
        p.size_min == p.size_max ? fmt::format("{}", p.size_min) : fmt::format("{}-{}", p.size_min, p.size_max);
    o += fmt::format("  {:>16} {:>12} {:>6} {:>8} {:>21}  {}\n", p.saved_bytes_if_reproducible, p.page_bytes,
                     p.inputs.size(), p.contents, size, util::display(p.path));
  }
  o += fmt::format("  Directories ({}):\n  {:>16} {:>12} {:>6} {:>8}  {}\n", of(d.prefixes.size(), d.prefix_count),
                   "IF REPRODUCIBLE", "PAGE BYTES", "COPIES", "PATHS", "PREFIX");
  for (const DriftPrefix& p : d.prefixes)
    o += fmt::format("  {:>16} {:>12} {:>6} {:>8}  {}\n", p.saved_bytes_if_reproducible, p.page_bytes, p.copies,
                     p.paths, util::display(p.prefix));
}

}  // namespace

std::string render_text(const Report& r, std::size_t top) {
  std::string o;
  const Figures& t = r.totals;
  o += fmt::format("erofs-share scan: {} input{}, {} domain{}, page size {}, {} class order\n\n", r.inputs.size(),
                   r.inputs.size() == 1 ? "" : "s", r.domains.size(), r.domains.size() == 1 ? "" : "s",
                   r.options.page_size, r.options.assume == Assume::best ? "best" : "command-line");
  if (!r.input_errors.empty()) {
    o += fmt::format("Left out, could not be read ({} input{}):\n", r.input_errors.size(),
                     r.input_errors.size() == 1 ? "" : "s");
    for (const InputErrorRow& e : r.input_errors) o += fmt::format("  {}\n", util::display(e.error));
    o += "\n";
  }
  o += fmt::format("Page cache for the data of {} regular files ({}):\n", r.files, human_bytes(r.data_bytes));
  o += fmt::format("  {:<22} {:>16}  {}\n", "without sharing", t.cache_bytes_without_sharing,
                   human_bytes(t.cache_bytes_without_sharing));
  o += fmt::format("  {:<22} {:>16}  saves {}\n", "with sharing now", t.cache_bytes_now,
                   saved(t.saved_bytes_now, t.cache_bytes_without_sharing));
  o += fmt::format("  {:<22} {:>16}  saves {}\n", "once all are tagged", t.cache_bytes_if_tagged,
                   saved(t.saved_bytes_if_tagged, t.cache_bytes_without_sharing));

  if (r.resident) o += resident_text(*r.resident, t);

  o += fmt::format("\nInputs:\n  {:>3} {:<9} {:<12} {:<6} {:<6} {:>9} {:>12} {:>12} {:>12}  {}\n", "#", "KIND",
                   "DOMAIN", "MOUNT", "ISHARE", "FILES", "CACHE", "SAVED NOW", "IF TAGGED", "NAME");
  for (std::size_t i = 0; i < r.inputs.size(); ++i) {
    const InputRow& in = r.inputs[i];
    o += fmt::format("  {:>3} {:<9} {:<12} {:<6} {:<6} {:>9} {:>12} {:>12} {:>12}  {}\n", i, kind_name(in.kind),
                     util::display(in.domain), mount_mode_name(in.mount_mode),
                     in.kind != InputKind::erofs ? "-"
                     : in.ishare                 ? "yes"
                                                 : "no",
                     in.files, human_bytes(in.figures.cache_bytes_without_sharing),
                     human_bytes(in.figures.saved_bytes_now), human_bytes(in.figures.saved_bytes_if_tagged),
                     util::display(in.name));
    const FingerprintCounts& fc = in.fingerprints;
    if (fc.mismatched) o += fmt::format("      {} stored fingerprints do not match the content\n", fc.mismatched);
    if (in.unreadable) o += fmt::format("      {} files that may have twins could not be read\n", in.unreadable);
  }

  if (!r.reasons.empty()) {
    o += fmt::format("\nCopies of shared content that do not share now:\n  {:<24} {:<27} {:>7} {:>12}  {}\n",
                     "STATUS", "REASON", "COPIES", "BYTES", "MEANING");
    for (const ReasonRow& x : r.reasons)
      o += fmt::format("  {:<24} {:<27} {:>7} {:>12}  {}\n", status_name(x.status), reason_name(x.reason), x.copies,
                       x.bytes, reason_text(x.reason));
  }

  if (!r.pairs.empty()) {
    std::vector<const PairRow*> pairs;
    for (const PairRow& p : r.pairs) pairs.push_back(&p);
    std::stable_sort(pairs.begin(), pairs.end(),
                     [](const PairRow* a, const PairRow* b) { return a->common_bytes > b->common_bytes; });
    if (top > 0 && pairs.size() > top) pairs.resize(top);
    o += fmt::format("\nPair overlap{}:\n  {:>3} {:>3} {:>12} {:>12} {:>12}\n",
                     pairs.size() < r.pairs.size() ? fmt::format(" (top {} of {} pairs)", pairs.size(), r.pairs.size()) : "",
                     "A", "B", "COMMON", "SHARED NOW", "IF TAGGED");
    for (const PairRow* p : pairs)
      o += fmt::format("  {:>3} {:>3} {:>12} {:>12} {:>12}\n", p->a, p->b, human_bytes(p->common_bytes),
                       human_bytes(p->shared_bytes_now), human_bytes(p->shared_bytes_if_tagged));
  }

  if (!r.images.empty()) images_text(o, r, top);

  const std::size_t n = top > 0 ? std::min(top, r.groups.size()) : r.groups.size();
  o += fmt::format("\nContent held by more than one inode: {} group{}", r.group_count, r.group_count == 1 ? "" : "s");
  if (n == 0) {
    o += "\n";
    drift_text(o, r);
    return o;
  }
  o += fmt::format("; the top {} by bytes saved once tagged:\n", n);
  for (std::size_t i = 0; i < n; ++i) {
    const GroupRow& g = r.groups[i];
    o += fmt::format("  {} {} bytes x{} in {} input{}: saves {} now, {} once tagged{}\n", util::to_hex(g.digest).substr(0, 16),
                     g.size, g.copies.size(), g.inputs, g.inputs == 1 ? "" : "s", human_bytes(g.saved_bytes_now),
                     human_bytes(g.saved_bytes_if_tagged), g.verified ? "" : " (content taken from fingerprints)");
    constexpr std::size_t k_max_copies = 8;  // per group; JSON and CSV have them all
    for (std::size_t k = 0; k < g.copies.size(); ++k) {
      if (k == k_max_copies && g.copies.size() > k_max_copies + 1) {
        o += fmt::format("      ... {} more copies\n", g.copies.size() - k);
        break;
      }
      const CopyRow& c = g.copies[k];
      const std::size_t names = r.path_count(c);
      std::string links = names > 1 ? fmt::format(" (+{} links)", names - 1) : "";
      std::string why = c.reason == Reason::none ? "" : fmt::format(": {}", reason_name(c.reason));
      o += fmt::format("      [{}] {}{}  {} {}{}\n", c.input, util::display(r.first_path(c)), links,
                       io_class_name(c.io), status_name(c.status), why);
    }
  }
  drift_text(o, r);
  return o;
}

}  // namespace core::scan
