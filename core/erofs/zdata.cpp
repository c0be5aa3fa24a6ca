#include "core/erofs/zdata.hpp"

#include "core/erofs/image.hpp"

namespace core::erofs {

void stream_compressed(const Image&, const Inode& ino, const Sink&) {
  Where w;
  w.nid = ino.nid;
  throw Unsupported("compressed data is not readable yet", w);
}

}  // namespace core::erofs
