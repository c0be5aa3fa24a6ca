// The readable smoke report (render_text.cpp), kept out of cli/ so it can be unit-tested.
#pragma once

#include <string>

#include "core/smoke/smoke.hpp"

namespace core::smoke {

// Images, one line per scenario with its evidence, the observations that disagree with the
// model, agreement, timings and the result. Every string is escaped with util::display().
std::string render_text(const SmokeReport& report);

}  // namespace core::smoke
