// A scratch directory that is removed when the test is done (kept on request for debugging).
#pragma once

#include <filesystem>
#include <string>

namespace test_support {

class TempDir {
public:
  // Creates a fresh directory under $TMPDIR (or /tmp) named after `tag`. Throws on failure.
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  // Leaves the directory in place after the test (also when EROFS_E2E_KEEP is set).
  void keep() { m_keep = true; }

private:
  std::filesystem::path m_path;
  bool m_keep = false;
};

}  // namespace test_support
