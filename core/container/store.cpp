#include "core/container/store.hpp"

#include <sys/stat.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/util/error.hpp"
#include "core/util/sha256.hpp"

namespace core::container {

namespace {

class DirectoryStore : public Store {
public:
  explicit DirectoryStore(std::string dir) : m_dir(std::move(dir)) {}
  std::optional<Blob> find(std::string_view name) const override {
    if (has_dotdot(name)) throw Error(fmt::format("{}: blob name {} leaves the layout", m_dir, name));
    const std::string path = m_dir + "/" + member_name(name);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return std::nullopt;
      throw IoError(path, "stat", errno);
    }
    Blob b;
    if (st.st_size > 0) {
      b.file = std::make_shared<util::MappedFile>(path);
      b.size = b.file->size();
    }
    b.where = path;
    return b;
  }

private:
  std::string m_dir;
};

class ArchiveStore : public Store {
public:
  explicit ArchiveStore(const std::string& file) : m_index(std::make_shared<util::MappedFile>(file)) {}
  std::optional<Blob> find(std::string_view name) const override {
    if (has_dotdot(name)) throw Error(fmt::format("blob name {} leaves the archive", name));
    return m_index.find(name);
  }

private:
  ArchiveIndex m_index;
};

}  // namespace

std::span<const u8> Blob::bytes() const {
  if (!file || size == 0) return {};
  return file->view().bytes(offset, size);
}

Blob Store::require(std::string_view name, std::string_view what) const {
  std::optional<Blob> b;
  try {
    b = find(name);
  } catch (const IoError& e) {  // a symlink loop, a blob that is a directory, no permission
    throw Error(fmt::format("{}: {}", what, e.what()));
  }
  if (!b) throw Error(fmt::format("{}: blob {} is missing", what, name));
  return std::move(*b);
}

std::unique_ptr<Store> open_directory_store(const std::string& dir) { return std::make_unique<DirectoryStore>(dir); }
std::unique_ptr<Store> open_archive_store(const std::string& file) { return std::make_unique<ArchiveStore>(file); }

std::string blob_name(std::string_view digest, std::string_view what) {
  constexpr std::string_view k_prefix = "sha256:";
  bool ok = digest.size() == k_prefix.size() + 64 && digest.starts_with(k_prefix);
  for (std::size_t i = k_prefix.size(); ok && i < digest.size(); ++i) {
    const char c = digest[i];
    ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }
  if (!ok) throw Error(fmt::format("{}: digest \"{}\" is not sha256:<64 lowercase hex>", what, digest));
  return fmt::format("blobs/sha256/{}", digest.substr(k_prefix.size()));
}

void check_digest(const Blob& blob, std::string_view digest, std::string_view what) {
  const std::string got = "sha256:" + util::to_hex(util::sha256(blob.bytes()));
  if (got != digest) throw Error(fmt::format("{}: digest mismatch: {} has {}, expected {}", what, blob.where, got, digest));
}

nlohmann::json read_json(const Blob& blob, u64 max_bytes, std::string_view what) {
  if (blob.size > max_bytes)
    throw Error(fmt::format("{}: {} is {} bytes, more than a JSON document may be ({})", what, blob.where, blob.size,
                            max_bytes));
  const std::span<const u8> bytes = blob.bytes();
  try {
    return nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: {} is not valid JSON ({})", what, blob.where, e.what()));
  }
}

}  // namespace core::container
