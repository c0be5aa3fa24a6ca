// The one tar reader behind tar inputs and container tar layers (input_tar.cpp).
#pragma once

#include <string>

#include "core/container/overlay.hpp"
#include "core/scan/input_container.hpp"
#include "core/scan/inputs.hpp"

struct archive;

namespace core::scan {

struct TarRules {
  Storage storage = Storage::uncompressed;  // plain tar inputs: the class of every file
  // A container layer: whiteouts and opaque markers are overlay entries, not files; a ".."
  // component is refused; the limits apply; files are modelled per `layer`; `tree` gets every
  // entry. All null for a plain tar input.
  const LayerModel* layer = nullptr;
  const container::Limits* limits = nullptr;
  container::LayerTree* tree = nullptr;
};

// Reads every entry of the opened archive `a`, hashing regular files as they stream by. Later
// entries replace earlier ones of the same path; hard links join their target's record. Errors
// name `name`; the first header failing is a UsageError (not an archive).
InputRecord read_tar(archive* a, const std::string& name, const TarRules& rules, ReadCounters& counters);

}  // namespace core::scan
