// The plan the probe executes in the guest: one step per line, fields percent-encoded
// (probe.cpp documents the steps). Built by the host, so the probe needs no parser beyond
// "split on spaces".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace core::smoke {

struct PlanStep {
  std::string op;                   // insmod, filesystems, wait, mount, observe, digest, umount, measure, residency, run
  std::vector<std::string> fields;  // the operands, in probe order
};

class Plan {
public:
  void insmod(const std::string& name, const std::string& path) { add("insmod", {name, path}); }
  void filesystems() { add("filesystems", {}); }
  void wait(const std::string& dev) { add("wait", {dev}); }
  // options "" = none
  void mount(const std::string& tag, const std::string& dev, const std::string& dir, const std::string& options) {
    add("mount", {tag, dev, dir, options.empty() ? "-" : options});
  }
  void observe(const std::string& id, const std::string& read, const std::string& target) {
    add("observe", {id, read, target});
  }
  void digest(const std::string& id, const std::string& read, const std::string& target) {
    add("digest", {id, read, target});
  }
  void umount(const std::string& tag, const std::string& dir) { add("umount", {tag, dir}); }
  void measure(const std::string& id, const std::vector<std::string>& dirs) { add_list("measure", id, dirs); }
  void residency(const std::string& id, const std::vector<std::string>& dirs) { add_list("residency", id, dirs); }
  void run(const std::string& id, const std::vector<std::string>& argv) { add_list("run", id, argv); }
  const std::vector<PlanStep>& steps() const { return m_steps; }
  // The plan file: one line per step, then "end".
  std::string render() const;

private:
  void add(std::string op, std::vector<std::string> fields) { m_steps.push_back({std::move(op), std::move(fields)}); }
  void add_list(std::string op, const std::string& id, const std::vector<std::string>& rest) {
    std::vector<std::string> fields = {id};
    fields.insert(fields.end(), rest.begin(), rest.end());
    add(std::move(op), std::move(fields));
  }
  std::vector<PlanStep> m_steps;
};

// Percent-encodes '%', bytes <= 0x20 and >= 0x7f, so a field never contains a space or newline.
std::string encode_field(std::string_view field);

}  // namespace core::smoke
