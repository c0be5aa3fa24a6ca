#include "tests/support/erofs_tools.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

namespace test_support {

namespace {

std::string tool_from_env(const char* var, const std::string& label) {
  const char* v = std::getenv(var);
  if (!v || !*v)
    throw ToolMissing(std::string(var) + " is not set: the e2e tests need " + label +
                      " and find it only through this variable (source scripts/env.sh)");
  if (access(v, X_OK) != 0)
    throw ToolMissing(std::string(var) + "=" + v + " is not an executable file (" + label + ")");
  return v;
}

std::string help_text(const std::string& tool) {
  ProcessResult r = run_process({tool, "--help"});  // exit code varies by version; text matters
  return r.out + r.err;
}

// The first "N.N[.N]" in the tool's banner. 1.5 has no -V but prints "mkfs.erofs 1.5" first
// on any invocation, so the output of `-V` works for both.
std::string probe_version(const std::string& tool) {
  ProcessResult r = run_process({tool, "-V"});
  std::smatch m;
  std::string text = r.out + r.err;
  static const std::regex k_version(R"((\d+\.\d+(?:\.\d+)?))");
  if (!std::regex_search(text, m, k_version)) return "unknown";
  return m[1];
}

std::unique_ptr<ErofsTools> probe(ToolSet set) {
  auto t = std::make_unique<ErofsTools>();
  t->set = set;
  const bool v15 = set == ToolSet::v15;
  t->label = v15 ? "erofs-utils 1.5" : "erofs-utils >= 1.9";
  t->mkfs = tool_from_env(v15 ? "MKFS_EROFS_15" : "MKFS_EROFS_19", t->label);
  t->fsck = tool_from_env(v15 ? "FSCK_EROFS_15" : "FSCK_EROFS_19", t->label);
  t->dump = tool_from_env(v15 ? "DUMP_EROFS_15" : "DUMP_EROFS_19", t->label);
  t->version = probe_version(t->mkfs);
  t->mkfs_help = help_text(t->mkfs);
  t->fsck_help = help_text(t->fsck);
  return t;
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

}  // namespace

std::string option_name(std::string_view flag) {
  if (flag.size() >= 2 && flag[0] == '-' && flag[1] != '-') return std::string(flag.substr(0, 2));
  return std::string(flag.substr(0, flag.find('=')));
}

bool help_lists(std::string_view help, std::string_view option) {
  const bool short_opt = option.size() == 2 && option[0] == '-';
  for (std::size_t at = help.find(option); at != std::string_view::npos; at = help.find(option, at + 1)) {
    bool starts = at == 0 || std::isspace(static_cast<unsigned char>(help[at - 1])) || help[at - 1] == ',';
    std::size_t end = at + option.size();
    // A short option takes its argument attached ("-b#", "-EX"); a long one must end here.
    bool ends = short_opt || end == help.size() || !is_name_char(help[end]);
    if (starts && ends) return true;
  }
  return false;
}

bool version_at_least(const std::string& version, const std::string& minimum) {
  std::istringstream a(version), b(minimum);
  for (;;) {
    std::string x, y;
    bool has_x = static_cast<bool>(std::getline(a, x, '.'));
    bool has_y = static_cast<bool>(std::getline(b, y, '.'));
    if (!has_y) return true;
    long vx = has_x ? std::strtol(x.c_str(), nullptr, 10) : 0;
    long vy = std::strtol(y.c_str(), nullptr, 10);
    if (vx != vy) return vx > vy;
  }
}

bool ErofsTools::mkfs_offers(std::string_view option) const { return help_lists(mkfs_help, option); }
bool ErofsTools::fsck_offers(std::string_view option) const { return help_lists(fsck_help, option); }

ProcessResult ErofsTools::run_mkfs(const std::vector<std::string>& flags, const std::string& image,
                                   const std::string& source) const {
  std::vector<std::string> argv{mkfs};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(image);
  argv.push_back(source);
  return run_process(argv);
}

ProcessResult ErofsTools::run_fsck(const std::vector<std::string>& flags, const std::string& image) const {
  std::vector<std::string> argv{fsck};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(image);
  return run_process(argv);
}

ProcessResult ErofsTools::run_dump(const std::vector<std::string>& flags, const std::string& image) const {
  std::vector<std::string> argv{dump};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(image);
  return run_process(argv);
}

const ErofsTools& erofs_tools(ToolSet set) {
  // Probed once per process; a failed probe is retried (and re-thrown) on every call.
  static std::map<ToolSet, std::unique_ptr<ErofsTools>> cache;
  auto& slot = cache[set];
  if (!slot) slot = probe(set);
  return *slot;
}

}  // namespace test_support
