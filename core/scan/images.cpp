// Container images: what a node caches is per distinct layer (one mount each), so the figures
// split what images share by layer identity from what shared inodes add across layers.
#include "core/scan/images.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/util/error.hpp"

namespace core::scan {

namespace {

// Index of the pair a < b of n among every pair in order (as PairMatrix).
std::size_t pair_index(u32 n, u32 a, u32 b) { return std::size_t(a) * n - std::size_t(a) * (a + 1) / 2 + (b - a - 1); }

// The distinct layers of each image, sorted (an image that stacks a layer twice caches it once).
std::vector<std::vector<u32>> distinct_layers(const std::vector<ImageGroup>& images, std::size_t inputs) {
  std::vector<std::vector<u32>> out;
  out.reserve(images.size());
  for (const ImageGroup& img : images) {
    std::vector<u32> layers = img.inputs;
    for (u32 p : layers)
      if (p >= inputs)
        throw UsageError(fmt::format("image {}: input {} out of range ({} inputs)", img.name, p, inputs));
    std::sort(layers.begin(), layers.end());
    layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
    out.push_back(std::move(layers));
  }
  return out;
}

// Adds the page bytes of every shared inode of `sim` to `field` of each pair of images in which
// it joins a member in a layer of one image to a member in another layer of the other.
class SharedAcrossImages {
public:
  SharedAcrossImages(const std::vector<std::vector<u32>>& users, u32 images, std::vector<ImagePairRow>& rows)
      : m_users(users), m_images(images), m_rows(rows), m_stamp(images, 0), m_count(images, 0), m_first(images, 0) {}

  void add(const std::vector<Copy>& copies, const Simulation& sim, const Members& members, u32 page_size,
           u64 ImagePairRow::*field) {
    for (u32 s = 0; s < sim.shared.size(); ++s) {
      if (sim.shared[s].members < 2) continue;
      m_layers.clear();
      for (u32 c : members.of(s)) m_layers.push_back(copies[c].input);
      std::sort(m_layers.begin(), m_layers.end());
      m_layers.erase(std::unique(m_layers.begin(), m_layers.end()), m_layers.end());
      if (m_layers.size() < 2) continue;  // all in one layer: shared by identity, not across layers
      add_inode(page_bytes(sim.shared[s].size, page_size), field);
    }
  }

private:
  static constexpr u32 k_many = ~u32(0);
  struct Touch {
    u32 key;  // the one layer of the image holding members, or k_many
    u32 image;
  };

  void add_inode(u64 bytes, u64 ImagePairRow::*field) {
    ++m_epoch;
    m_touched.clear();
    for (u32 p : m_layers)
      for (u32 a : m_users[p]) {
        if (m_stamp[a] != m_epoch) {
          m_stamp[a] = m_epoch;
          m_count[a] = 0;
          m_first[a] = p;
          m_touched.push_back(a);
        }
        ++m_count[a];
      }
    // Two images share the inode across layers unless each holds members in one layer only and
    // it is the same layer. Sorted by that layer, the pairs to skip are those within a run of
    // one key, so the work is the pairs that count, not every pair of images touched.
    m_keys.clear();
    for (u32 a : m_touched) m_keys.push_back(Touch{m_count[a] == 1 ? m_first[a] : k_many, a});
    std::sort(m_keys.begin(), m_keys.end(),
              [](const Touch& x, const Touch& y) { return x.key != y.key ? x.key < y.key : x.image < y.image; });
    std::size_t run_end = 0;
    for (std::size_t i = 0; i < m_keys.size(); ++i) {
      if (run_end <= i) {
        run_end = i + 1;
        while (run_end < m_keys.size() && m_keys[run_end].key == m_keys[i].key) ++run_end;
      }
      const std::size_t from = m_keys[i].key == k_many ? i + 1 : run_end;
      for (std::size_t j = from; j < m_keys.size(); ++j) {
        const u32 a = std::min(m_keys[i].image, m_keys[j].image);
        const u32 b = std::max(m_keys[i].image, m_keys[j].image);
        m_rows[pair_index(m_images, a, b)].*field += bytes;
      }
    }
  }

  const std::vector<std::vector<u32>>& m_users;  // per input: the images using it, in order
  u32 m_images;
  std::vector<ImagePairRow>& m_rows;
  // Per image, for the shared inode at hand (valid where m_stamp is m_epoch): how many of its
  // layers hold members, and the first of them.
  std::vector<u64> m_stamp;
  std::vector<u32> m_count;
  std::vector<u32> m_first;
  u64 m_epoch = 0;
  std::vector<u32> m_layers;   // the shared inode's layers, distinct
  std::vector<u32> m_touched;  // images using one of them
  std::vector<Touch> m_keys;
};

}  // namespace

void image_figures(Report& rep, const std::vector<ImageGroup>& images, const std::vector<Copy>& copies,
                   const Runs& runs, u32 page_size) {
  if (images.empty()) return;
  const std::vector<InputRecord>& records = *rep.records;
  const std::vector<std::vector<u32>> layers = distinct_layers(images, rep.inputs.size());
  const u32 n = static_cast<u32>(images.size());
  auto bytes_of = [&](u32 p) { return rep.inputs[p].figures.cache_bytes_without_sharing; };

  std::vector<std::vector<u32>> users(rep.inputs.size());  // per input: images using it
  for (u32 a = 0; a < n; ++a)
    for (u32 p : layers[a]) users[p].push_back(a);

  LayerFigures& lf = rep.layers;
  for (const InputRecord& in : records) {
    lf.hidden_files += in.hidden_files;
    lf.hidden_bytes += in.hidden_bytes;
  }
  u64 distinct_bytes = 0;
  for (u32 p = 0; p < users.size(); ++p)
    if (!users[p].empty()) distinct_bytes += bytes_of(p);

  rep.images.reserve(n);
  for (u32 a = 0; a < n; ++a) {
    ImageRow row;
    row.name = images[a].name;
    row.platform = images[a].platform;
    row.inputs = images[a].inputs;
    for (u32 p : layers[a]) {
      const InputRow& in = rep.inputs[p];
      row.files += in.files;
      row.cache_bytes += bytes_of(p);
      if (records[p].users > 1) row.shared_by_layers += bytes_of(p);
      row.saved_bytes_now += in.figures.saved_bytes_now;
      row.saved_bytes_if_tagged += in.figures.saved_bytes_if_tagged;
    }
    lf.cache_bytes_per_image += row.cache_bytes;
    rep.images.push_back(std::move(row));
  }
  lf.saved_by_layer_identity = lf.cache_bytes_per_image - distinct_bytes;

  rep.image_pairs.reserve(std::size_t(n) * (n - 1) / 2);
  for (u32 a = 0; a < n; ++a)
    for (u32 b = a + 1; b < n; ++b) {
      ImagePairRow r;
      r.a = a;
      r.b = b;
      rep.image_pairs.push_back(r);
    }
  for (u32 p = 0; p < users.size(); ++p)
    for (std::size_t i = 0; i < users[p].size(); ++i)
      for (std::size_t j = i + 1; j < users[p].size(); ++j)
        rep.image_pairs[pair_index(n, users[p][i], users[p][j])].common_layer_bytes += bytes_of(p);
  SharedAcrossImages shared(users, n, rep.image_pairs);
  shared.add(copies, runs.now, runs.now_members, page_size, &ImagePairRow::shared_bytes_now);
  shared.add(copies, runs.tag, runs.tag_members, page_size, &ImagePairRow::shared_bytes_if_tagged);
}

}  // namespace core::scan
