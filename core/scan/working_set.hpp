// scan --resident: a residency file's records matched to the model's copies, and the saving of
// the pages they say were read (ResidentFigures). Internal to core/scan (report.cpp).
#pragma once

#include <vector>

#include "core/scan/grouping.hpp"
#include "core/scan/residency.hpp"

namespace core::scan {

// Maps every record to (input, path in its image) (residency.hpp), gives each copy the resident
// bytes of its records (the largest, if several name it), and sums per shared inode of both
// runs. Throws UsageError for a --resident-root that names no input.
ResidentFigures resident_figures(const Residency& residency, const std::vector<InputRecord>& inputs,
                                 const std::vector<Copy>& copies, const Runs& runs, u32 page_size);

}  // namespace core::scan
