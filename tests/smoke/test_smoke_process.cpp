// core::smoke::run_process: the time limit, and giving up early on a fatal message on stderr
// (QEMU waits after "KVM internal error" until it is killed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/smoke/process.hpp"

using namespace core::smoke;

namespace {

std::string scratch() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

}  // namespace

TEST(SmokeProcess, GivesUpAsSoonAsStderrSaysAFatalText) {
  ProcessResult r = run_process({"sh", "-c", "echo 'KVM internal error. Suberror: 1' >&2; sleep 30"}, scratch(), 20,
                                {"kvm run failed", "KVM internal error"});
  EXPECT_TRUE(r.gave_up);
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(r.seconds, 5.0);
  EXPECT_EQ(r.err, "KVM internal error. Suberror: 1\n");
}

TEST(SmokeProcess, OtherStderrRunsToTheEnd) {
  ProcessResult r = run_process({"sh", "-c", "echo 'KVM: harmless warning' >&2; sleep 1; echo done"}, scratch(), 20,
                                {"KVM internal error"});
  EXPECT_FALSE(r.gave_up);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "done\n");
}

TEST(SmokeProcess, TimeLimitKillsTheGroup) {
  ProcessResult r = run_process({"sh", "-c", "sleep 30"}, scratch(), 1);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.gave_up);
  EXPECT_LT(r.seconds, 5.0);
}
