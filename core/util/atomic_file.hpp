// A file that replaces its target atomically: written as a temporary file in the target's
// directory, then fsync, rename over the target, fsync of the directory (crash-safe). Where
// the file system supports O_TMPFILE the temporary file has no name until just before the
// rename, so a process killed while writing leaves nothing behind. Used for every file
// erofs-share writes (images, reports, baselines, manifests): a failed run leaves no partial
// output and never a half-overwritten file.
#pragma once

#include <functional>
#include <span>
#include <string>

#include "core/util/ints.hpp"

namespace core::util {

class AtomicFile {
public:
  // Creates the temporary file next to `target` with permissions `mode`. `checkpoint` (may be
  // empty) is called before every step that changes the file system. Throws IoError.
  AtomicFile(const std::string& target, unsigned mode, std::function<void(unsigned)> checkpoint);
  // Removes the temporary file unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Writes `data` at `off` in steps of at most `chunk` bytes. Throws IoError.
  void write_at(u64 off, std::span<const u8> data, u64 chunk);
  // Writes `data` after everything written so far by append() (a sequential writer).
  void append(std::span<const u8> data);
  // Copies [0, len) of the open file `src_fd` (whose bytes are also `src`) in steps of `chunk`.
  void copy_from(int src_fd, std::span<const u8> src, u64 chunk);
  // fsync, rename over the target, fsync the directory. Throws IoError.
  void commit();
  // A path that opens the temporary file (complete after the writes, before commit).
  const std::string& temp_path() const { return m_temp; }
  // The temporary file's descriptor (for writers that need one, e.g. standard output).
  int fd() const { return m_fd; }

private:
  void step();
  std::string hidden_template() const;
  void link_name();

  std::string m_target;
  std::string m_temp;
  std::string m_dir;
  int m_fd = -1;
  bool m_unnamed = false;  // O_TMPFILE: m_temp is /proc/self/fd/N until commit() links it
  bool m_committed = false;
  unsigned m_step = 0;
  u64 m_end = 0;  // where the next append() goes
  std::function<void(unsigned)> m_checkpoint;
};

// fsync of directory `dir`, so a rename into it survives a crash. Throws IoError.
void fsync_dir(const std::string& dir);

}  // namespace core::util
