// The readable smoke report. Image paths, device paths, the guest's kernel release, scenario
// evidence and observation ids (which hold paths inside the images) are all shown through
// util::display(), so nothing from an image or the guest reaches the terminal raw.
#include <fmt/format.h>

#include "core/smoke/render.hpp"
#include "core/util/display.hpp"

namespace core::smoke {

std::string render_text(const SmokeReport& r) {
  using util::display;
  std::string o;
  o += fmt::format("kernel:      {} (accelerator {})\n", display(r.kernel_release), display(r.accelerator));
  o += fmt::format("images:      {}{}\n", r.images.size(), r.generated ? " (generated set)" : "");
  for (std::size_t i = 0; i < r.images.size(); ++i) {
    o += fmt::format("  {}\n", display(r.images[i]));
    if (i < r.devices.size())
      for (const auto& d : r.devices[i]) o += fmt::format("    device {}\n", display(d));
  }
  o += fmt::format("\n{:<40} {:<20} {:<20} {}\n", "SCENARIO", "EXPECTED", "VERDICT", "RESULT");
  for (const auto& s : r.scenarios) {
    o += fmt::format("{:<40} {:<20} {:<20} {}\n", display(s.name), display(s.expected), display(s.verdict),
                     s.verdict == "not_applicable" ? "skipped"
                     : s.pass                      ? "ok"
                                                   : "FAILED");
    o += fmt::format("    {}\n", display(s.evidence));
  }
  u64 shown = 0;
  for (const auto& ob : r.observations)
    if (!ob.agrees) {
      if (shown++ == 0) o += "\nobservations that disagree with the model:\n";
      o += fmt::format("  {}: read {}, then {}: predicted {}, observed {} ({}/{} pages)\n", display(ob.id),
                       display(ob.read), display(ob.target), ob.predicted_shared ? "shared" : "not shared",
                       display(ob.observed), ob.resident, ob.pages);
    }
  o += fmt::format("\nagreement:   {}/{} observations agree with scan's model ({:.1f}%)\n", r.agreed, r.observed,
                   r.percent);
  o +=
      fmt::format("timings:     generate {:.1f} s, prepare {:.1f} s, vm {:.1f} s, total {:.1f} s\n",
                  r.timings.generate_seconds, r.timings.prepare_seconds, r.timings.vm_seconds, r.timings.total_seconds);
  o += fmt::format("result:      {}\n", exit_status(r) == 0 ? "PASS" : "FAIL");
  return o;
}

}  // namespace core::smoke
