#include "core/inspect/inspect.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/erofs/data.hpp"
#include "core/erofs/dir.hpp"
#include "core/erofs/xattr.hpp"

namespace core::inspect {

namespace {

// `root` as given by the user: "usr/lib", "/usr/lib" and "/usr/lib/" all name /usr/lib.
bool under(const std::string& path, const std::string& root) {
  if (root.empty() || root == "/") return true;
  std::string r = root.front() == '/' ? root : "/" + root;
  if (r.size() > 1 && r.back() == '/') r.pop_back();
  return path == r || (path.size() > r.size() && path.compare(0, r.size(), r) == 0 && path[r.size()] == '/');
}

// The fingerprint as the kernel looks it up, from the decoded entries.
erofs::StoredFingerprint fingerprint_of(const erofs::Image& img, const std::vector<std::shared_ptr<const erofs::Xattr>>& xattrs,
                                        const erofs::XattrHeader& head) {
  erofs::XattrSet set;
  set.has_ibody = head.has_ibody;
  set.name_filter = head.name_filter;
  const auto& sb = img.sb();
  if (sb.ishare_xattr_prefix_id < img.long_prefixes().size()) {
    const erofs::LongPrefix& p = img.long_prefixes()[sb.ishare_xattr_prefix_id];
    for (const auto& x : xattrs)
      if (x->resolved && x->base_index == p.base_index && x->suffix == p.infix) {
        set.items.push_back(*x);  // the first match is what the kernel finds; only it is copied
        break;
      }
  }
  return erofs::stored_fingerprint(img, set);
}

}  // namespace

SuperRow super_row(const erofs::Image& img) {
  SuperRow s;
  s.image = img.path();
  s.image_size = img.primary().size();
  s.sb = img.sb();
  s.fingerprint_xattr = img.fingerprint_xattr_name();
  s.prefixes = img.long_prefixes();
  s.prefix_table_error = img.prefix_table_error();
  return s;
}

Report inspect(const erofs::Image& img, const Options& opt) {
  Report rep;
  rep.super = super_row(img);

  // One InodeRow per inode, shared by its names: a row per name costs its path and a pointer.
  std::unordered_map<u64, std::shared_ptr<const InodeRow>> nodes;  // by nid
  erofs::XattrDecoder decoder(img);
  erofs::walk_tree(img, [&](std::string& path, const erofs::Inode& ino) {
    if (!under(path, opt.path)) return;
    auto& node = nodes[ino.nid];
    if (!node) {
      auto n = std::make_shared<InodeRow>();
      n->inode = ino;
      erofs::XattrHeader head;
      n->xattrs = decoder.read(ino, &head);
      if (ino.type == erofs::FileType::file) n->fingerprint = fingerprint_of(img, n->xattrs, head);
      if (ino.type == erofs::FileType::symlink) {
        auto target = erofs::read_file(img, ino, 4096);
        n->symlink_target = std::string(target.begin(), target.end());
      }
      if (ino.is_compressed()) n->compression = erofs::summarize_compressed(img, ino);
      if (opt.digest && ino.type == erofs::FileType::file) {
        try {
          n->digest = erofs::content_digest(img, ino);
        } catch (const Unsupported& e) {
          n->digest_error = e.what();
        } catch (const DataUnavailable& e) {
          n->digest_error = e.what();
        }
      }
      node = std::move(n);
    }
    rep.files.push_back(FileRow{std::move(path), node, true});
  }, {}, erofs::WalkOrder::paths);
  if (!opt.path.empty() && rep.files.empty()) throw UsageError("no such path in the image: " + opt.path);
  // The walk yields paths in byte order unless dirents lack their file type.
  auto by_path = [](const FileRow& a, const FileRow& b) { return a.path < b.path; };
  if (!std::is_sorted(rep.files.begin(), rep.files.end(), by_path)) std::sort(rep.files.begin(), rep.files.end(), by_path);
  // The first name of each inode in path order shows its xattrs; the shared xattrs the
  // report references are listed once, by id.
  std::unordered_set<u64> shown;
  std::map<u32, std::shared_ptr<const erofs::Xattr>> shared;
  for (auto& f : rep.files) {
    if (f.node.use_count() <= 2) continue;  // one name (the map and this row hold it): first anyway
    f.first_name = shown.insert(f.node->inode.nid).second;
  }
  for (const auto& [nid, node] : nodes)
    for (const auto& x : node->xattrs)
      if (x->shared) shared.emplace(x->shared_id, x);
  for (auto& [id, x] : shared) rep.shared_xattrs.push_back(std::move(x));
  return rep;
}

std::string mode_string(u16 mode) {
  std::string s(10, '-');
  switch (mode & 0170000) {
    case 0040000: s[0] = 'd'; break;
    case 0120000: s[0] = 'l'; break;
    case 0020000: s[0] = 'c'; break;
    case 0060000: s[0] = 'b'; break;
    case 0010000: s[0] = 'p'; break;
    case 0140000: s[0] = 's'; break;
    default: break;
  }
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i)
    if (mode & (0400 >> i)) s[1 + i] = rwx[i];
  if (mode & 04000) s[3] = (mode & 0100) ? 's' : 'S';
  if (mode & 02000) s[6] = (mode & 0010) ? 's' : 'S';
  if (mode & 01000) s[9] = (mode & 0001) ? 't' : 'T';
  return s;
}

}  // namespace core::inspect
