#include "tests/support/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace test_support {

TempDir::TempDir(const std::string& tag) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/erofs-" + tag + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  m_path = buf.data();
  m_keep = std::getenv("EROFS_E2E_KEEP") != nullptr;
}

TempDir::~TempDir() {
  if (m_keep) return;
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);  // best effort: a destructor must not throw
}

}  // namespace test_support
