// The scan report: totals, per-input figures, the pair-overlap matrix, content groups with a
// status and reason per copy, the build drift (drift.hpp). build_report() is a pure function of
// the input records, so the model can be tested on hand-built inputs and a scan of manifests
// equals a scan of images.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/scan/drift.hpp"
#include "core/scan/model.hpp"

namespace core::scan {

inline constexpr int k_schema_version = 1;

struct ModelOptions {
  u32 page_size = 4096;
  Assume assume = Assume::order;
  bool trust_fingerprints = false;  // a "sha256:" value stands for the content (not read)
  bool verify_all = false;          // contents of files with a unique size count too
};

// Page-cache bytes of regular-file data (whole pages) in three situations.
struct Figures {
  u64 cache_bytes_without_sharing = 0;  // every inode cached on its own
  u64 cache_bytes_now = 0;              // with sharing, fingerprints as they are
  u64 cache_bytes_if_tagged = 0;        // with sharing, every file correctly tagged
  u64 saved_bytes_now = 0;
  u64 saved_bytes_if_tagged = 0;
};

// Container images: what a node caches is per layer (each distinct layer mounted once), so what
// images share splits into what their common layers share already and what inode_share adds.
// Layers are inputs; an image counts each distinct layer of its own once (a layer stacked twice
// is one mount). Page bytes are whole pages of every inode of a visible non-empty regular file.
struct LayerFigures {
  // Every image's layers cached on their own (no layer identity): the sum over images of the
  // page bytes of their layers.
  u64 cache_bytes_per_image = 0;
  // Of that, what one mount per distinct layer saves: cache_bytes_per_image minus the page bytes
  // of every layer some image uses, each once.
  u64 saved_by_layer_identity = 0;
  u64 hidden_files = 0;  // files no image shows (whiteouts, opaque dirs, replaced): all inputs
  u64 hidden_bytes = 0;  // their page bytes (never read through a container)
};

struct ImageRow {
  std::string name;
  std::string platform;
  std::vector<u32> inputs;   // its layers, bottom first
  u64 files = 0;             // inodes of its layers' visible non-empty regular files
  u64 cache_bytes = 0;       // their page bytes (the image alone, no sharing)
  u64 shared_by_layers = 0;  // page bytes in its layers that another image uses too (users > 1)
  // Its layers' pages a shared inode created by another member serves: the sum of its layers'
  // InputRow saved_bytes_now (a layer another image uses too counts in both images).
  u64 saved_bytes_now = 0;
  u64 saved_bytes_if_tagged = 0;  // the same once every file is tagged
};

struct ImagePairRow {
  u32 a = 0;  // indices into Report::images, a < b
  u32 b = 0;
  u64 common_layer_bytes = 0;  // page bytes of the layers both use (shared by identity)
  // Page bytes of every shared inode (once) with a member in a layer of a and a member in a layer
  // of b that is another layer: what inode_share adds to what the common layers share.
  u64 shared_bytes_now = 0;
  u64 shared_bytes_if_tagged = 0;
};

// Fingerprints of one input's files (non-empty regular files, counted per inode).
struct FingerprintCounts {
  u64 usable = 0;            // the kernel would use the value
  u64 missing = 0;           // no value (or the image lacks the feature)
  u64 hidden_by_filter = 0;
  u64 empty = 0;
  u64 too_long = 0;
  u64 not_sha256 = 0;        // present, but not the 39-byte "sha256:" form mkfs writes
  u64 verified = 0;          // "sha256:" value checked against the content: equal
  u64 mismatched = 0;        // checked: different
};

struct InputRow {
  std::string name;
  InputKind kind = InputKind::erofs;
  std::string domain;
  MountMode mount_mode = MountMode::block;
  bool ishare = false;
  std::string fingerprint_xattr;
  u32 block_size = 0;
  u64 files = 0;         // inodes of non-empty regular files
  u64 paths = 0;         // their names (hard links count once each)
  u64 data_bytes = 0;    // sum of their sizes
  u64 directories = 0;
  u64 symlinks = 0;
  u64 special_files = 0;
  u64 empty_files = 0;
  u64 unreadable = 0;    // files that may have twins but whose content could not be read
  u32 users = 1;         // container layers: images using it (InputRecord::users)
  u64 hidden_files = 0;  // container layers: files no image shows, not counted elsewhere
  u64 hidden_bytes = 0;
  FingerprintCounts fingerprints;
  InputIdentity identity;  // InputRecord::identity
  Figures figures;       // pages charged to this input (a shared inode: to its first member)
};

struct CopyRow {
  u32 input = 0;
  const FileRecord* file = nullptr;    // into Report::records (its names: Report::paths)
  IoClass io = IoClass::block;
  Status status = Status::blocked;
  Reason reason = Reason::none;
  bool saved_now = false;        // its pages are served by another member now
  bool saved_if_tagged = false;
};

// One content (SHA-256 and size) found in more than one inode.
struct GroupRow {
  util::Digest digest{};
  u64 size = 0;
  u64 page_bytes = 0;    // page cache one copy occupies
  bool verified = true;  // every copy's content was read (not taken from its fingerprint)
  u32 inputs = 0;        // distinct inputs holding it
  u64 saved_bytes_now = 0;
  u64 saved_bytes_if_tagged = 0;
  std::vector<CopyRow> copies;  // in instantiation order
};

// Overlap of two inputs a < b.
struct PairRow {
  u32 a = 0;
  u32 b = 0;
  u64 common_bytes = 0;            // page bytes of contents present in both
  u64 shared_bytes_now = 0;        // page bytes of shared inodes with members in both, now
  u64 shared_bytes_if_tagged = 0;  // the same once everything is tagged
};

struct ReasonRow {
  Status status = Status::blocked;
  Reason reason = Reason::none;
  u64 copies = 0;
  u64 bytes = 0;  // page bytes of those copies
};

// scan --resident (residency.hpp): what the pages a residency file says were read would save.
// A shared inode's page cache is the union of the pages its members read; without per-page
// maps the union is estimated as the largest member's resident bytes (exact when the others
// read a subset of those pages, as copies of one binary running the same code do), so the
// saved_* figures are an upper bound; the *_at_least figures take the members' pages as
// disjoint (the union is their sum, at most the file's pages). Files the residency file does
// not list count as not resident.
struct ResidentFigures {
  std::string file;    // the residency file as given
  std::string format;  // "status" or "fincore" (residency_format_name)
  u64 records = 0;
  u64 matched = 0;          // records naming a non-empty regular file of an input
  u64 unmatched_input = 0;  // records whose mount point or image maps to no input
  u64 unmatched_path = 0;   // records whose input has no non-empty regular file of that path
  std::vector<std::string> unmatched_examples;  // the first few, as the file names them (raw)
  u64 files = 0;            // inodes of the inputs with a record (hard links and repeats once)
  u64 clamped = 0;          // of them, with more resident bytes than the file's pages (counted as its pages)
  u64 resident_bytes = 0;   // their resident bytes, each inode on its own (no sharing)
  u64 saved_bytes_now = 0;  // sum of members' resident bytes minus the largest, per shared inode now
  u64 saved_bytes_if_tagged = 0;
  u64 saved_bytes_now_at_least = 0;  // sum minus min(sum, the file's pages), per shared inode now
  u64 saved_bytes_if_tagged_at_least = 0;
};
struct Residency;  // residency.hpp

// An input scan left out (ScanOptions::keep_going): its name as given and why.
struct InputErrorRow {
  std::string input;
  std::string error;  // the one-line message, naming the input (and layer)
};

struct Report {
  std::string tool_version;  // of the erofs-share that wrote it (JSON "tool"; "unknown" if empty)
  std::vector<std::string> command_line;  // the arguments it was run with, raw (HTML; empty: unknown)
  ModelOptions options;
  Figures totals;
  u64 files = 0;      // inodes of non-empty regular files, all inputs
  u64 data_bytes = 0;
  std::vector<std::string> domains;  // sorted
  std::vector<InputRow> inputs;      // command-line order
  std::vector<PairRow> pairs;        // every pair a < b, sorted
  u64 group_count = 0;               // contents held by more than one inode
  std::vector<GroupRow> groups;      // by saved_bytes_if_tagged, saved_bytes_now, size desc; digest
                                     // (all of them, or the first keep_groups of build_report)
  std::vector<ReasonRow> reasons;    // by status, reason
  // Container images (empty when no input is a container image): layers are the inputs.
  LayerFigures layers;
  std::vector<ImageRow> images;          // input order
  std::vector<ImagePairRow> image_pairs; // every pair a < b, sorted
  std::vector<InputErrorRow> input_errors;  // --keep-going: inputs left out, command-line order
  std::optional<ResidentFigures> resident;  // scan --resident
  Drift drift;  // build drift: paths in several inputs whose contents differ (drift.hpp)
  // The input records the rows point into (CopyRow::file); shared by copies of the report.
  std::shared_ptr<const std::vector<InputRecord>> records;

  // Every name of the inode of `copy`, sorted; its first; how many.
  std::vector<std::string> paths(const CopyRow& copy) const { return (*records)[copy.input].paths(*copy.file); }
  std::string first_path(const CopyRow& copy) const { return (*records)[copy.input].first_path(*copy.file); }
  std::size_t path_count(const CopyRow& copy) const { return (*records)[copy.input].path_count(*copy.file); }
};

// Applies the sharing model to `inputs` (command-line order; domain and mount_mode set). The
// report keeps the records (Report::records) instead of copying every path. With jobs > 1,
// independent steps run on two threads; the result is the same. keep_groups > 0 keeps the rows
// of only that many groups, those that save the most (a report that shows the top ones needs
// no more); every figure and count still covers all groups.
// `images` groups the inputs into container images (InputRecord::users and hidden_* are set).
// `resident` (scan --resident) fills Report::resident; UsageError for a --resident-root that
// names no input.
Report build_report(std::vector<InputRecord> inputs, const ModelOptions& options, unsigned jobs = 1,
                    std::size_t keep_groups = 0, std::vector<ImageGroup> images = {},
                    const Residency* resident = nullptr);

}  // namespace core::scan
