#include "core/inspect/inspect.hpp"

#include <algorithm>
#include <unordered_map>

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

}  // namespace

Report inspect(const erofs::Image& img, const Options& opt) {
  Report rep;
  rep.super.image = img.path();
  rep.super.image_size = img.primary().size();
  rep.super.sb = img.sb();
  rep.super.fingerprint_xattr = img.fingerprint_xattr_name();
  rep.super.prefixes = img.long_prefixes();
  rep.super.prefix_table_error = img.prefix_table_error();

  std::unordered_map<u64, std::pair<std::optional<util::Digest>, std::string>> digests;  // by nid
  struct XattrCache {
    std::shared_ptr<const std::vector<XattrRow>> rows;
    erofs::StoredFingerprint fingerprint;
  };
  std::unordered_map<u64, XattrCache> xattr_rows;  // by nid: read once per inode
  erofs::walk_tree(img, [&](const std::string& path, const erofs::Inode& ino) {
    if (!under(path, opt.path)) return;
    FileRow row;
    row.path = path;
    row.inode = ino;
    auto& cached = xattr_rows[ino.nid];
    if (!cached.rows) {
      erofs::XattrSet xs = erofs::read_xattrs(img, ino);
      auto rows = std::make_shared<std::vector<XattrRow>>();
      for (const auto& x : xs.items) rows->push_back(XattrRow{x.name, x.value, x.shared});
      cached.rows = std::move(rows);
      if (ino.type == erofs::FileType::file) cached.fingerprint = erofs::stored_fingerprint(img, xs);
    }
    row.xattrs = cached.rows;
    row.fingerprint = cached.fingerprint;
    if (ino.type == erofs::FileType::symlink) {
      auto target = erofs::read_file(img, ino, 4096);
      row.symlink_target = std::string(target.begin(), target.end());
    }
    if (ino.is_compressed()) row.compression = erofs::summarize_compressed(img, ino);
    if (opt.digest && ino.type == erofs::FileType::file) {
      auto it = digests.find(ino.nid);
      if (it == digests.end()) {
        std::pair<std::optional<util::Digest>, std::string> d;
        try {
          d.first = erofs::content_digest(img, ino);
        } catch (const Unsupported& e) {
          d.second = e.what();
        } catch (const DataUnavailable& e) {
          d.second = e.what();
        }
        it = digests.emplace(ino.nid, std::move(d)).first;
      }
      row.digest = it->second.first;
      row.digest_error = it->second.second;
    }
    rep.files.push_back(std::move(row));
  });
  if (!opt.path.empty() && rep.files.empty()) throw UsageError("no such path in the image: " + opt.path);
  std::sort(rep.files.begin(), rep.files.end(), [](const FileRow& a, const FileRow& b) { return a.path < b.path; });
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
