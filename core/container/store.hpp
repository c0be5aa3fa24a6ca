// Where the blobs of a container input are: files of an OCI layout directory, or members of an
// OCI or docker archive (read in place). JSON blobs are read through here with a size bound.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/container/archive_index.hpp"
#include "core/container/container.hpp"

namespace core::container {

class Store {
public:
  virtual ~Store() = default;
  // The blob at `name` (relative: "index.json", "blobs/sha256/<hex>"), std::nullopt if there is
  // none. A name with a ".." component is refused. Throws IoError if it exists but cannot be read.
  virtual std::optional<Blob> find(std::string_view name) const = 0;
  // Like find(), but a missing blob is an error naming `what` (the descriptor that named it).
  Blob require(std::string_view name, std::string_view what) const;
};

std::unique_ptr<Store> open_directory_store(const std::string& dir);
std::unique_ptr<Store> open_archive_store(const std::string& file);

// "sha256:<64 hex>" -> "blobs/sha256/<hex>". Throws Error for another form or algorithm.
std::string blob_name(std::string_view digest, std::string_view what);
// Throws Error unless the SHA-256 of `blob` is `digest` ("sha256:<hex>").
void check_digest(const Blob& blob, std::string_view digest, std::string_view what);
// Parses a JSON blob of at most `max_bytes`. Throws Error naming `what` and the blob.
nlohmann::json read_json(const Blob& blob, u64 max_bytes, std::string_view what);

}  // namespace core::container
