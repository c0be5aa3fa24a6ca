// Rules across all images linted together: the kernel keys its shared page cache by the
// fingerprint value alone (plus the mount's domain_id), so one value must mean one content
// everywhere (§6.5, §6.9 of the format reference).
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/lint/checks.hpp"
#include "core/lint/describe.hpp"

namespace core::lint::checks {

namespace {

struct Member {
  const ImageFacts* img;
  const FileFacts* file;
};

// Regular files with a fingerprint, grouped by the exact value bytes.
std::map<std::vector<u8>, std::vector<Member>> by_value(const Facts& facts) {
  std::map<std::vector<u8>, std::vector<Member>> groups;
  for (const ImageFacts& img : facts.images) {
    if (!img.fingerprint_name) continue;
    for (const FileFacts& f : img.files)
      if (f.is_regular() && f.has_fingerprint() && !f.fingerprint.raw.empty())
        groups[f.fingerprint.raw].push_back({&img, &f});
  }
  return groups;
}

// Lists up to three other files and says how many more there are.
std::string list_files(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > 3) s += fmt::format(" and {} more", names.size() - 3);
  return s;
}

}  // namespace

void fingerprint_conflict(const Facts& facts, Emitter& out) {
  for (const auto& [value, members] : by_value(facts)) {
    if (members.size() < 2) continue;
    for (const Member& m : members) {
      std::vector<std::string> others;
      for (const Member& o : members) {
        if (o.file == m.file) continue;
        const bool size_differs = o.file->inode.size != m.file->inode.size;
        const bool content_differs = o.file->content && m.file->content && *o.file->content != *m.file->content;
        if (!size_differs && !content_differs) continue;
        others.push_back(size_differs ? fmt::format("{} ({} bytes)", describe_file(*o.img, *o.file), o.file->inode.size)
                                      : fmt::format("{} (content {})", describe_file(*o.img, *o.file),
                                                    describe_digest(*o.file->content)));
      }
      if (others.empty()) continue;
      out.file(*m.img, *m.file,
               fmt::format("fingerprint {} of this {}-byte file{} is also carried by {}: in one domain the kernel "
                           "would mix their pages",
                           describe_value(value), m.file->inode.size,
                           m.file->content ? " (content " + describe_digest(*m.file->content) + ")" : "",
                           list_files(others)));
    }
  }
}

void compression_class_mismatch(const Facts& facts, Emitter& out) {
  for (const auto& [value, members] : by_value(facts)) {
    if (members.size() < 2) continue;
    for (const Member& m : members) {
      std::vector<std::string> others;
      for (const Member& o : members) {
        if (o.file == m.file || o.file->inode.size != m.file->inode.size) continue;
        if (o.file->content && m.file->content && *o.file->content != *m.file->content) continue;  // a conflict
        if (o.file->inode.is_compressed() == m.file->inode.is_compressed()) continue;
        others.push_back(describe_file(*o.img, *o.file));
      }
      if (others.empty()) continue;
      const bool here = m.file->inode.is_compressed();
      out.file(*m.img, *m.file,
               fmt::format("identical content is stored {} here but {} in {}: the kernel shares only between copies "
                           "that are both compressed or both uncompressed",
                           here ? "compressed" : "uncompressed", here ? "uncompressed" : "compressed",
                           list_files(others)));
    }
  }
}

void fingerprint_name_differs(const Facts& facts, Emitter& out) {
  // The name most images use (the first image's on a tie) is the reference.
  std::map<std::string, std::size_t> count;
  std::vector<const ImageFacts*> named;
  for (const ImageFacts& img : facts.images)
    if (img.fingerprint_name) {
      ++count[*img.fingerprint_name];
      named.push_back(&img);
    }
  if (count.size() < 2) return;
  const ImageFacts* ref = nullptr;
  for (const ImageFacts* img : named)
    if (!ref || count[*img->fingerprint_name] > count[*ref->fingerprint_name]) ref = img;
  for (const ImageFacts* img : named) {
    if (*img->fingerprint_name == *ref->fingerprint_name) continue;
    out.image(*img, fmt::format("fingerprints are named {} here but {} in {}{}: the kernel compares values only, "
                                "but fsck.erofs and other tools look fingerprints up by name",
                                *img->fingerprint_name, *ref->fingerprint_name, ref->image,
                                count[*ref->fingerprint_name] > 1
                                    ? fmt::format(" and {} other images", count[*ref->fingerprint_name] - 1)
                                    : ""));
  }
}

}  // namespace core::lint::checks
