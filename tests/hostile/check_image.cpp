#include "tests/hostile/check_image.hpp"

#include <exception>
#include <fstream>
#include <new>

#include <nlohmann/json.hpp>

#include "core/inspect/inspect.hpp"
#include "core/lint/lint.hpp"
#include "core/util/error.hpp"

namespace hostile {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::ok: return "ok";
    case Kind::corrupt: return "corrupt";
    case Kind::unsupported: return "unsupported";
    case Kind::data_unavailable: return "data-unavailable";
    case Kind::io_error: return "io-error";
    case Kind::usage_error: return "usage-error";
    case Kind::broken: return "broken";
  }
  return "?";
}

core::erofs::ReadLimits low_limits() {
  core::erofs::ReadLimits l;
  l.max_hole_bytes = core::u64(256) << 20;
  l.max_stream_bytes = core::u64(64) << 20;
  return l;
}

namespace {

std::string text_problem(const std::string& what) {
  if (what.empty()) return "empty error message";
  if (what.find_first_of("\n\r") != std::string::npos) return "error message is not one line";
  return {};
}

Outcome classify(Kind kind, const std::string& what) {
  Outcome o{kind, what, text_problem(what)};
  if (o.problem.empty() && kind == Kind::corrupt && what.find(" @ ") == std::string::npos &&
      what.find("(byte 0x") == std::string::npos)
    o.problem = "CorruptImage without a location (\" @ \" or \"(byte 0x\")";
  return o;
}

}  // namespace

Outcome inspect_bytes(std::span<const core::u8> bytes, const core::erofs::ReadLimits& limits) {
  core::erofs::OpenOptions options;
  options.limits = limits;
  try {
    core::erofs::Image img(bytes, "mutant.erofs", options);
    core::inspect::Report rep = core::inspect::inspect(img, {true, ""});
    nlohmann::json j = rep;  // what `--format json` renders (names that are not UTF-8 replaced)
    (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return {};
  } catch (const core::CorruptImage& e) {
    return classify(Kind::corrupt, e.what());
  } catch (const core::Unsupported& e) {
    return classify(Kind::unsupported, e.what());
  } catch (const core::DataUnavailable& e) {
    return classify(Kind::data_unavailable, e.what());
  } catch (const core::IoError& e) {
    return classify(Kind::io_error, e.what());
  } catch (const core::UsageError& e) {
    return classify(Kind::usage_error, e.what());
  } catch (const core::Error& e) {
    return {Kind::broken, e.what(), "bare core::Error instead of a specific error type"};
  } catch (const std::bad_alloc&) {
    return {Kind::broken, "std::bad_alloc", "allocation failure escaped (unbounded allocation?)"};
  } catch (const std::exception& e) {
    return {Kind::broken, e.what(), "non-core exception escaped"};
  } catch (...) {
    return {Kind::broken, "unknown exception", "non-standard exception escaped"};
  }
}

LintOutcome lint_bytes(std::span<const core::u8> bytes, const std::string& file) {
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  core::lint::LintRequest req;
  req.images = {file};
  req.policy.threshold = core::lint::Threshold::error;
  req.policy.settings.jobs = 1;
  const core::lint::LintReport rep = core::lint::lint(req);
  LintOutcome o{rep.exit_status(), ""};
  if (!rep.input_errors.empty()) o.first = rep.input_errors.front().error;
  else if (!rep.findings.empty()) o.first = rep.findings.front().rule + ": " + rep.findings.front().message;
  return o;
}

}  // namespace hostile
