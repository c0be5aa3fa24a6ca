// The check every subcommand makes before any work: no output may be one of its inputs.
//
// Files are compared by identity (st_dev, st_ino after following links), so an output that
// names an input directly, through a symlink, a hard link or /proc/self/fd/N is caught. An
// output that does not exist yet cannot be an input, but its directory must exist and take a
// new file. An existing directory is never an output. The inputs' kinds are checked here too
// (input_file.hpp), so a FIFO or /dev/zero is refused before anything is opened.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace core::util {

// A file's identity after following links.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

// The identity of `path`, or nothing if it cannot be stat'ed (missing, dangling link).
std::optional<FileId> file_id(const std::string& path);

// True if both paths exist and are the same file.
bool same_file(const std::string& a, const std::string& b);

enum class OutputKind {
  report,  // a report: may also be an existing character device or FIFO (-o /dev/null), written to as is
  image,   // an image: a regular file, replaced by rename
};

class OutputGuard {
public:
  // An input file named by `label` in messages ("input", "--device", "--baseline"). Missing
  // inputs are left to the reader (its error names them). Throws UsageError for a FIFO,
  // socket or character device.
  void input(const std::string& path, const std::string& label = "input");
  // An input that may also be a directory tree (scan INPUT, build SRC).
  void input_or_tree(const std::string& path, const std::string& label = "input");
  // From now on an output may not be anywhere inside an input tree, even as a new file (build:
  // mkfs reads the tree while the output is written).
  void forbid_outputs_in_trees() { m_strict_trees = true; }

  // An output file of option `option` ("-o", "--sidecar"); "" and "-" (standard output) are
  // skipped. `may_replace` is the label of an input this output may replace on purpose
  // (lint --write-baseline over --baseline). Throws UsageError (one line naming both files)
  // or IoError (its directory is missing or takes no new file).
  void output(const std::string& path, const std::string& option, OutputKind kind = OutputKind::report,
              const std::string& may_replace = {});
  // A directory that will receive outputs (scan --manifest-out; created if missing): it may not
  // be an input tree or inside one. Check each file it will hold with output() as well.
  void output_dir(const std::string& path, const std::string& option);

private:
  struct Entry {
    std::string path;
    std::string label;
    FileId id;
    bool tree = false;
  };
  void add_input(const std::string& path, const std::string& label, bool allow_tree);
  const Entry* tree_holding(const std::string& existing_dir) const;
  // Throws UsageError if outputs may not be in input trees and `dir` is inside one.
  void forbid_in_tree(const std::string& dir, const std::string& option, const std::string& path) const;
  [[noreturn]] static void two_outputs(const std::string& option, const std::string& path, const std::string& other_label,
                                       const std::string& other_path);

  struct NewOutput {
    FileId dir;
    std::string name;
    std::string path;
    std::string label;
  };

  std::vector<Entry> m_inputs;
  std::vector<Entry> m_outputs;          // outputs that exist, by identity
  std::vector<NewOutput> m_new_outputs;  // outputs to be created, by (directory, name)
  bool m_strict_trees = false;
};

}  // namespace core::util
