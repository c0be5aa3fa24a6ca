// Android inputs for scan: every EROFS image of a sparse image, super.img or zip is an input of
// its own, named after the image in it ("super.img:system_a"); the images of one file form a
// build (an ImageGroup, as a container image groups its layers).
#include <filesystem>

#include <fmt/format.h>

#include "core/android/inputs.hpp"
#include "core/scan/inputs.hpp"
#include "core/util/error.hpp"

namespace core::scan {

AndroidInputs expand_android_inputs(const std::vector<InputSpec>& inputs, bool keep_going) {
  AndroidInputs out;
  for (const InputSpec& spec : inputs) {
    // With --device the input is an EROFS image file; a directory is never an Android input.
    // "super.img:system_a" names one image of an Android input.
    std::error_code ec;
    std::string file = spec.path, member, wanted;
    if (!spec.owner && spec.devices.empty())
      if (auto split = android::split_member(spec.path)) {
        file = split->first;
        member = file + ":" + split->second;
        wanted = split->second;
      }
    const bool candidate = !spec.owner && spec.devices.empty() && std::filesystem::is_regular_file(file, ec);
    if (!candidate || android::detect(file) == android::Kind::none) {
      out.inputs.push_back(spec);
      out.errors.emplace_back();
      continue;
    }
    try {
      android::Opened opened = android::open_android(file, {}, member);
      if (!member.empty()) {
        std::erase_if(opened.members, [&](const android::Member& m) { return m.name != member; });
        for (const android::Skipped& s : opened.skipped)
          if (s.name == member) throw Error(s.reason);
        if (opened.members.empty()) throw Error(fmt::format("no EROFS image {} in it", wanted));
      }
      if (opened.members.empty())
        throw Error(fmt::format("no EROFS image in it{}",
                                opened.skipped.empty() ? ""
                                                       : fmt::format(" ({}: {})", opened.skipped[0].name,
                                                                     opened.skipped[0].reason)));
      const bool group = opened.kind != android::Kind::sparse;
      std::vector<std::size_t> members;
      for (android::Member& m : opened.members) {
        InputSpec s;
        s.path = m.name;
        s.bytes = m.bytes;
        s.owner = std::move(m.owner);
        if (group) s.group = file;
        members.push_back(out.inputs.size());
        out.inputs.push_back(std::move(s));
        out.errors.emplace_back();
      }
      if (group && member.empty()) out.groups.emplace_back(file, std::move(members));
    } catch (const IoError&) {
      throw;
    } catch (const Error& e) {
      std::string msg = e.what();
      if (!msg.starts_with(spec.path + ": ")) msg = spec.path + ": " + msg;
      if (!keep_going) throw Error(msg);
      out.inputs.push_back(spec);
      out.errors.push_back(msg);
    }
  }
  return out;
}

}  // namespace core::scan
