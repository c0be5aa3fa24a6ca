// The figures of container images (Report::layers, images, image_pairs), read off the per-input
// rows and the two runs of the decision. Internal to core/scan (report.cpp).
#pragma once

#include <vector>

#include "core/scan/grouping.hpp"
#include "core/scan/report.hpp"

namespace core::scan {

// Fills rep.layers, rep.images and rep.image_pairs from `images` (their inputs index rep.inputs,
// whose figures are final) and the runs over `copies`. Leaves them empty when `images` is.
// Throws UsageError if an image names an input that does not exist.
void image_figures(Report& rep, const std::vector<ImageGroup>& images, const std::vector<Copy>& copies,
                   const Runs& runs, u32 page_size);

}  // namespace core::scan
