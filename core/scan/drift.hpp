// Build drift: the same path in several inputs with contents that differ (timestamps in .pyc
// files, build ids, embedded dates), and the page cache those copies would share if the builds
// were reproducible. Part of the scan report (Report::drift, built by build_report).
//
// A drift path is the path of a non-empty regular file in two or more inputs whose copies do
// not all hold one content: their sizes differ, or every copy's content is known and the
// digests differ. A path whose copies have one size where some copy's content is unknown (it
// could not be read) cannot be told apart: it is counted as undetermined and not listed.
//
// Bytes that would share if reproducible (saved_bytes_if_reproducible), measured against the
// "once tagged" figures (saved_bytes_if_tagged): with every copy of the path holding one
// content, the kernel's rules apart from content still hold. Per domain, only the copies of the
// path in inputs mounted with inode_share count, and of those only the ones in the I/O class
// the shared inode would take (the first copy's class in instantiation order; with --assume
// best, the class that saves most). Of those copies, each one the model does not already share
// once tagged (with a copy of the same content, at this path or any other) saves its page
// bytes; when none of them shares already, one copy (the first) would hold the shared inode
// and saves nothing. Copies that share already are drift, but no drift savings.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/scan/model.hpp"

namespace core::scan {

struct DriftPath {
  std::string path;
  std::vector<u32> inputs;  // the inputs holding it, in order (two or more)
  u32 contents = 0;         // distinct contents among its copies (an unread copy counts as its own)
  u64 size_min = 0;
  u64 size_max = 0;
  u64 page_bytes = 0;  // page cache of all its copies
  u64 saved_bytes_if_reproducible = 0;
};

// The drift paths of one directory (the parent of the paths: "/usr/lib/python3.11/__pycache__").
struct DriftPrefix {
  std::string prefix;
  u64 paths = 0;
  u64 copies = 0;
  u64 page_bytes = 0;
  u64 saved_bytes_if_reproducible = 0;
};

struct Drift {
  u64 paths = 0;       // drift paths (all of them; `rows` may hold fewer)
  u64 copies = 0;      // their copies
  u64 page_bytes = 0;  // page cache of those copies
  u64 saved_bytes_if_reproducible = 0;
  u64 undetermined_paths = 0;         // one size, some content unknown: not listed
  u64 prefix_count = 0;               // distinct prefixes (all of them; `prefixes` may hold fewer)
  std::vector<DriftPath> rows;        // most saved first, ties by path (byte order)
  std::vector<DriftPrefix> prefixes;  // the same order, by prefix
};

// Keeps the first `rows` paths and prefixes (0 = all); the totals stay.
void trim_drift(Drift& drift, std::size_t rows);

// The parent directory of a "/"-rooted path ("/" for a file in the root).
std::string drift_prefix(const std::string& path);

struct Copy;  // grouping.hpp
struct Runs;
struct ModelOptions;

// The drift of `inputs` (copies and runs as build_report made them); hashes paths on `jobs`
// threads.
Drift build_drift(const std::vector<Copy>& copies, const Runs& runs, const std::vector<InputRecord>& inputs,
                  const ModelOptions& options, unsigned jobs);

}  // namespace core::scan
