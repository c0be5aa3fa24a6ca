// Hand-built scan inputs for unit tests: a file record with its names written out, added to an
// InputRecord (which keeps the names) in path order.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/scan/model.hpp"

namespace core::scan::testing {

struct TestFile : FileRecord {
  std::vector<std::string> paths;
  std::optional<util::Digest> content;  // kept by the InputRecord (InputRecord::set_content)
  std::string content_error;
};

// Appends `files` to `in`, sorted by their names as scan's readers sort records.
inline void add_files(InputRecord& in, std::vector<TestFile> files) {
  std::sort(files.begin(), files.end(), [](const TestFile& a, const TestFile& b) { return a.paths < b.paths; });
  for (TestFile& t : files) {
    FileRecord f = static_cast<const FileRecord&>(t);
    f.path = PathTable::k_none;
    f.extra = 0;
    f.content_slot = FileRecord::k_no_content;
    if (t.content) in.set_content(f, *t.content);
    for (const std::string& p : t.paths) in.add_path(f, p);
    if (!t.content_error.empty()) in.set_content_error(f, t.content_error);
    in.files.push_back(std::move(f));
  }
}

}  // namespace core::scan::testing
