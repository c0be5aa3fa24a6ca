// core::smoke::parse_probe_log: the console is untrusted text; every line is checked.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/smoke/probe_log.hpp"

using namespace core::smoke;

TEST(SmokeProbeLog, EventsAmongBootNoise) {
  const std::string console = "SeaBIOS (version 1.16)\r\n"
                              "[    0.000000] Linux version 7.3.4\n"
                              "\n"
                              "ESPROBE {\"ev\":\"start\",\"kernel\":\"7.3.4+deb13-cloud-amd64\",\"probe\":1}\r\n"
                              "ESPROBE "
                              "{\"ev\":\"mount\",\"tag\":\"m0\",\"ok\":true,\"errno\":0,\"options\":\"ro,inode_share\","
                              "\"kmsg\":[\"erofs: x\"]}\n"
                              "[    3.1] random kernel line\n"
                              "ESPROBE {\"ev\":\"observe\",\"id\":\"o1\",\"ok\":true,\"pages\":10,\"resident\":10}\n"
                              "ESPROBE {\"ev\":\"end\",\"kmsg\":[]}\n"
                              "reboot: Power down\n";
  ProbeLog log = parse_probe_log(console);
  EXPECT_TRUE(log.started);
  EXPECT_TRUE(log.ended);
  EXPECT_EQ(log.kernel, "7.3.4+deb13-cloud-amd64");
  EXPECT_TRUE(log.rejected.empty());
  ASSERT_EQ(log.events.size(), 4u);
  auto mounts = find_events(log, "mount", "tag", "m0");
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(get_string(*mounts[0], "options"), "ro,inode_share");
  EXPECT_TRUE(get_bool(*mounts[0], "ok"));
  EXPECT_EQ(get_strings(*mounts[0], "kmsg"), std::vector<std::string>{"erofs: x"});
  auto obs = find_events(log, "observe", "id", "o1");
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(get_int(*obs[0], "resident"), 10);
}

TEST(SmokeProbeLog, BadLinesAreRejectedWithTheirLineNumber) {
  const std::string console = "ESPROBE {\"ev\":\"start\",\"kernel\":\"k\"}\n"
                              "ESPROBE {\"ev\":\"observe\",\"id\":\"o1\",\"pages\":1\n"  // cut off
                              "ESPROBE [1,2,3]\n"
                              "ESPROBE {\"id\":\"o2\"}\n"
                              "ESPROBE {\"ev\":7}\n"
                              "ESPROBE \n";
  ProbeLog log = parse_probe_log(console);
  EXPECT_TRUE(log.started);
  EXPECT_FALSE(log.ended);
  EXPECT_EQ(log.events.size(), 1u);
  EXPECT_EQ(log.rejected,
            (std::vector<std::string>{"console line 2: not a JSON object", "console line 3: not a JSON object",
                                      "console line 4: no \"ev\" string", "console line 5: no \"ev\" string",
                                      "console line 6: not a JSON object"}));
}

TEST(SmokeProbeLog, PrefixAfterKernelTextStillCounts) {
  // A kernel message written without a newline can precede the probe's line on the console.
  ProbeLog log = parse_probe_log("[ 1.0] erofs: partial lineESPROBE {\"ev\":\"end\"}\n");
  EXPECT_TRUE(log.ended);
}

TEST(SmokeProbeLog, FatalAndMistypedFields) {
  ProbeLog log = parse_probe_log("ESPROBE {\"ev\":\"fatal\",\"error\":\"cannot read plan /plan\"}\n"
                                 "ESPROBE {\"ev\":\"observe\",\"id\":5,\"pages\":\"10\",\"ok\":1,\"kmsg\":\"x\"}\n");
  EXPECT_EQ(log.fatal, "cannot read plan /plan");
  EXPECT_FALSE(log.started);
  const auto& ev = log.events.at(1);
  EXPECT_EQ(get_string(ev, "id"), "");
  EXPECT_EQ(get_int(ev, "pages"), -1);
  EXPECT_FALSE(get_bool(ev, "ok"));
  EXPECT_TRUE(get_strings(ev, "kmsg").empty());
}

TEST(SmokeProbeLog, OverlongLineIsRejected) {
  std::string console = "ESPROBE {\"ev\":\"x\",\"pad\":\"" + std::string(70000, 'a') + "\"}\n";
  ProbeLog log = parse_probe_log(console);
  EXPECT_TRUE(log.events.empty());
  ASSERT_EQ(log.rejected.size(), 1u);
  EXPECT_EQ(log.rejected[0], "console line 1: probe line longer than 64 KiB");
}
