// Running an external program (mkfs.erofs, fsck.erofs, the CLI) and capturing its output.
#pragma once

#include <string>
#include <vector>

namespace test_support {

struct ProcessResult {
  int exit_code = -1;       // exit status, or 128 + signal number if killed
  std::string out;          // captured stdout
  std::string err;          // captured stderr
  std::string command;      // the command line, shell-quoted, for messages

  bool ok() const { return exit_code == 0; }
  // "`cmd` exited with N\nstdout:...\nstderr:..." for failure messages.
  std::string describe() const;
};

// Runs argv[0] (a path, no PATH search) with the given arguments and waits for it; stdin is
// /dev/null. Throws std::runtime_error if the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv);

// Shell-quotes a command line for display.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace test_support
