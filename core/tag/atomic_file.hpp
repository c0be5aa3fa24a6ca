// AtomicFile moved to core/util (every output of erofs-share uses it); tag keeps its name.
#pragma once

#include "core/util/atomic_file.hpp"

namespace core::tag {

using util::AtomicFile;

}  // namespace core::tag
