#include "core/util/output_guard.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/util/error.hpp"
#include "core/util/input_file.hpp"

namespace core::util {

namespace fs = std::filesystem;

namespace {

std::string parent_of(const std::string& path) {
  fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

// Throws unless a new file can be created in the existing directory `dir`: an unnamed
// O_TMPFILE file where the file system has them (it vanishes with its descriptor), else a
// hidden named one, removed at once. Permission bits alone would not do: they do not bind
// root, and a read-only mount or /proc refuses files whatever they say.
void require_new_file_in(const std::string& dir, const std::string& option, const std::string& path) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  int err = errno;
  if (fd < 0 && (err == EOPNOTSUPP || err == EISDIR || err == EINVAL)) {
    std::string name = (fs::path(dir) / ".erofs-share-probe-XXXXXX").string();
    fd = ::mkstemp(name.data());
    err = errno;
    if (fd >= 0) ::unlink(name.c_str());
  }
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  throw Error(fmt::format("{} {}: cannot create a file in {}: {}", option, path, dir, std::strerror(err)));
}

}  // namespace

std::optional<FileId> file_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

bool same_file(const std::string& a, const std::string& b) {
  auto x = file_id(a), y = file_id(b);
  return x && y && *x == *y;
}

void OutputGuard::add_input(const std::string& path, const std::string& label, bool allow_tree) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return;  // the reader reports it
  require_input_kind(path, st.st_mode, allow_tree);
  m_inputs.push_back({path, label, {st.st_dev, st.st_ino}, S_ISDIR(st.st_mode)});
}

void OutputGuard::input(const std::string& path, const std::string& label) { add_input(path, label, false); }

void OutputGuard::input_or_tree(const std::string& path, const std::string& label) { add_input(path, label, true); }

const OutputGuard::Entry* OutputGuard::tree_holding(const std::string& existing_dir) const {
  std::error_code ec;
  fs::path p = fs::canonical(existing_dir, ec);
  if (ec) return nullptr;
  for (;;) {
    if (auto id = file_id(p.string())) {
      for (const Entry& in : m_inputs)
        if (in.tree && in.id == *id) return &in;
    }
    if (p == p.root_path() || !p.has_parent_path()) return nullptr;
    p = p.parent_path();
  }
}

void OutputGuard::forbid_in_tree(const std::string& dir, const std::string& option, const std::string& path) const {
  if (!m_strict_trees) return;
  if (const Entry* tree = tree_holding(dir))
    throw UsageError(
        fmt::format("{} {}: inside input directory {}; refusing to write into an input", option, path, tree->path));
}

void OutputGuard::two_outputs(const std::string& option, const std::string& path, const std::string& other_label,
                              const std::string& other_path) {
  throw UsageError(fmt::format("{} {}: the same file as {} {}; each output needs a file of its own", option, path,
                               other_label, other_path));
}

void OutputGuard::output(const std::string& path, const std::string& option, OutputKind kind,
                         const std::string& may_replace) {
  if (path.empty() || path == "-") return;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    const FileId id{st.st_dev, st.st_ino};
    if (S_ISDIR(st.st_mode))
      throw UsageError(fmt::format("{} {}: is a directory; the output must be a file", option, path));
    for (const Entry& in : m_inputs) {
      if (in.id == id && (may_replace.empty() || in.label != may_replace))
        throw UsageError(fmt::format("{} {}: the same file as {} {}; refusing to overwrite an input", option, path,
                                     in.label, in.path));
    }
    for (const Entry& out : m_outputs) {
      if (out.id == id)
        two_outputs(option, path, out.label, out.path);
    }
    const bool direct = kind == OutputKind::report && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode));
    if (!S_ISREG(st.st_mode) && !direct)
      throw UsageError(fmt::format("{} {}: {} is not an output erofs-share writes (a new file is written and renamed "
                                   "into place)",
                                   option, path, file_kind_name(st.st_mode)));
    m_outputs.push_back({path, option, id, false});
    if (direct) return;
    std::error_code ec;
    const std::string real = fs::canonical(path, ec).string();
    const std::string dir = ec ? parent_of(path) : parent_of(real);
    forbid_in_tree(dir, option, path);
    require_new_file_in(dir, option, path);
    return;
  }
  if (errno != ENOENT) throw Error(fmt::format("{} {}: {}", option, path, std::strerror(errno)));
  const std::string dir = parent_of(path);
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0)
    throw UsageError(
        fmt::format("{} {}: no directory {} to write it in ({})", option, path, dir, std::strerror(errno)));
  if (!S_ISDIR(dst.st_mode)) throw UsageError(fmt::format("{} {}: {} is not a directory", option, path, dir));
  forbid_in_tree(dir, option, path);
  const FileId dir_id{dst.st_dev, dst.st_ino};
  const std::string name = fs::path(path).filename().string();
  for (const NewOutput& o : m_new_outputs) {
    if (o.dir == dir_id && o.name == name)
      two_outputs(option, path, o.label, o.path);
  }
  m_new_outputs.push_back({dir_id, name, path, option});
  require_new_file_in(dir, option, path);
}

void OutputGuard::output_dir(const std::string& path, const std::string& option) {
  if (path.empty()) return;
  struct stat st {};
  std::string existing = path;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists) {
    if (!S_ISDIR(st.st_mode))
      throw UsageError(fmt::format("{} {}: {}, not a directory", option, path, file_kind_name(st.st_mode)));
  } else {
    // Created with its parents: what matters is the nearest directory that exists.
    std::error_code ec;
    fs::path p = fs::absolute(path, ec);
    while (!ec && p.has_parent_path() && p != p.root_path() && !fs::exists(p, ec)) p = p.parent_path();
    existing = p.string();
  }
  if (const Entry* tree = tree_holding(existing)) {
    throw UsageError(fmt::format("{} {}: {} input directory {}; refusing to write into an input", option, path,
                                 exists && FileId{st.st_dev, st.st_ino} == tree->id ? "is" : "inside", tree->path));
  }
  require_new_file_in(existing, option, path);
}

}  // namespace core::util
