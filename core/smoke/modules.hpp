// Kernel modules for the guest: found by name in a module tree (lib/modules/<release>),
// decompressed (.ko.xz with liblzma, .ko.zst with libzstd, or plain .ko), dependencies read
// from each module's own .modinfo section (Debian's packages ship no modules.dep).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/ints.hpp"

namespace core::smoke {

struct KernelModule {
  std::string name;                  // "virtio_blk"
  std::string path;                  // the file it came from
  std::vector<u8> image;             // decompressed ELF object, ready for init_module(2)
  std::vector<std::string> depends;  // module names from .modinfo "depends="
};

struct ModuleSet {
  std::vector<KernelModule> modules;  // load order: every module after its dependencies
  std::vector<std::string> absent;    // wanted names with no file (built in, or missing)
};

// "virtio-rng.ko.xz" -> "virtio_rng" (the kernel treats '-' and '_' alike); "" if the name
// does not end in .ko, .ko.xz or .ko.zst.
std::string module_name(std::string_view file_name);

// Reads and decompresses one module file. Throws IoError, or UsageError naming the file if
// the compressed data is corrupt or would expand past 256 MiB.
std::vector<u8> read_module(const std::string& path);

// The module names in the "depends=" string of an ELF64 module's .modinfo section; empty if
// there is none. Throws UsageError if `image` is not a well-formed ELF64 object.
std::vector<std::string> module_depends(std::span<const u8> image);

// A "key=value" string of the module's .modinfo section ("vermagic"), or "".
std::string module_info(std::span<const u8> image, std::string_view key);

// Finds `wanted` and `optional` modules under `dir` (searched recursively) and, transitively,
// their dependencies. A wanted name without a file goes to `absent`; an optional one or a
// dependency without a file is taken to be built into the kernel. Throws IoError,
// UsageError (no such directory, corrupt module, dependency cycle).
ModuleSet resolve_modules(const std::string& dir, const std::vector<std::string>& wanted,
                          const std::vector<std::string>& optional);

}  // namespace core::smoke
