// Running an external program (qemu-system-x86_64, mkfs.erofs) with a time limit.
#pragma once

#include <string>
#include <vector>

namespace core::smoke {

struct ProcessResult {
  int exit_code = -1;      // exit status, or 128 + signal number
  bool timed_out = false;  // killed because the time limit passed
  bool gave_up = false;    // killed because stderr said one of the `give_up_on` texts
  double seconds = 0;      // wall time
  std::string out;         // stdout (at most the first 64 MiB)
  std::string err;         // stderr (at most the first 64 MiB)
};

// Runs argv (argv[0] searched in PATH if it has no '/') in its own process group with stdin
// from /dev/null, stdout and stderr to files in `scratch_dir`, and kills the group after
// `timeout_seconds`, or as soon as its stderr holds one of `give_up_on` (a program that
// reports a fatal state and then waits, as QEMU does after "KVM internal error"). Throws
// IoError if the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& scratch_dir, double timeout_seconds,
                          const std::vector<std::string>& give_up_on = {});

// The path of `program` in PATH (or itself if it contains '/' and is executable); "" if none.
std::string find_program(const std::string& program);

// Shell-quoted command line, for messages.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace core::smoke
