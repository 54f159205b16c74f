// Datasets, the DataLoader (order, drop_last, prefetch, exact resume, shutdown, errors)
// and the batch transforms (values and determinism).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <numeric>
#include <set>
#include <thread>

#include "io/host_tensor.h"
#include "silica/data/dataloader.h"
#include "silica/data/dataset.h"
#include "silica/data/transforms.h"
#include "silica/error.h"
#include "silica/silica.h"
#include "test_support.h"

using namespace silica;
using silica::testing::error_of;
using data::Batch;
using data::DataLoader;
using data::DataLoaderOptions;
using data::DataPosition;

namespace {

/// n examples of (1, 4, 5) u8 whose pixels are (i * 31 + pixel) mod 251, label i mod 10.
std::shared_ptr<data::TensorDataset> make_dataset(int64_t n) {
  std::vector<double> pixels;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t p = 0; p < 20; ++p) pixels.push_back(static_cast<double>((i * 31 + p) % 251));
    labels.push_back(i % 10);
  }
  return std::make_shared<data::TensorDataset>(from_vector(pixels, {n, 1, 4, 5}, DType::u8),
                                               from_vector(labels, {n}, DType::i64));
}

std::string bytes_of(const Tensor& t) {
  Tensor h = detail::host_contiguous(t);
  return std::string(reinterpret_cast<const char*>(detail::host_data(h)), detail::host_nbytes(h));
}

/// Everything served until the end of the current epoch.
std::vector<Batch> drain_epoch(DataLoader& loader) {
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

void expect_same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].indices, b[i].indices) << i;
    EXPECT_EQ(a[i].epoch, b[i].epoch) << i;
    EXPECT_EQ(a[i].index, b[i].index) << i;
    EXPECT_EQ(bytes_of(a[i].inputs), bytes_of(b[i].inputs)) << i;
    EXPECT_EQ(bytes_of(a[i].labels), bytes_of(b[i].labels)) << i;
  }
}

/// A dataset whose get() can be slowed down or made to fail at one index.
class ControlledDataset : public data::Dataset {
 public:
  explicit ControlledDataset(int64_t n) : n_(n) {}
  int64_t size() const override { return n_; }
  data::Example get(int64_t index) const override {
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    if (index == fail_at) throw Error("[ControlledDataset] example " + std::to_string(index) + " is broken");
    return {full({2}, static_cast<double>(index), DType::f32), index % 3};
  }
  std::atomic<int> delay_ms{0};
  std::atomic<int64_t> fail_at{-1};

 private:
  int64_t n_;
};

}  // namespace

// ---- Datasets ----

TEST(TensorDataset, GetAndGatherRows) {
  auto ds = make_dataset(7);
  EXPECT_EQ(ds->size(), 7);
  data::Example e = ds->get(3);
  EXPECT_EQ(e.input.shape(), (Shape{1, 4, 5}));
  EXPECT_EQ(e.label, 3);
  EXPECT_EQ(e.input.to_vector<uint8_t>()[0], 93);
  Batch b = ds->get_batch({6, 0, 6});
  EXPECT_EQ(b.inputs.shape(), (Shape{3, 1, 4, 5}));
  EXPECT_EQ(b.labels.dtype(), DType::i64);
  EXPECT_EQ(b.labels.to_vector<int64_t>(), (std::vector<int64_t>{6, 0, 6}));
  EXPECT_EQ(bytes_of(b.inputs.select(0, 0)), bytes_of(ds->get(6).input));
  EXPECT_EQ(bytes_of(b.inputs.select(0, 1)), bytes_of(ds->get(0).input));
  // u8 labels become i64.
  data::TensorDataset small(zeros({2, 3}), from_vector(std::vector<double>{4, 9}, {2}, DType::u8));
  EXPECT_EQ(small.get(1).label, 9);
}

TEST(TensorDataset, Errors) {
  EXPECT_NE(error_of([] { data::TensorDataset(zeros({3, 2}), zeros({2}, DType::i64)); }).find("labels must have shape (3)"),
            std::string::npos);
  EXPECT_NE(error_of([] { data::TensorDataset(zeros({3, 2}), zeros({3})); }).find("class indices"), std::string::npos);
  auto ds = make_dataset(3);
  EXPECT_NE(error_of([&] { ds->get(3); }).find("index 3 is out of range"), std::string::npos);
  EXPECT_NE(error_of([&] { ds->get_batch({0, -1}); }).find("index -1 is out of range"), std::string::npos);
}

TEST(Dataset, DefaultGetBatchStacksExamples) {
  ControlledDataset ds(5);
  Batch b = ds.get_batch({4, 1});
  EXPECT_EQ(b.inputs.shape(), (Shape{2, 2}));
  EXPECT_EQ(b.inputs.to_vector<float>(), (std::vector<float>{4, 4, 1, 1}));
  EXPECT_EQ(b.labels.to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
  std::string msg = error_of([] { data::stack_on_host({zeros({2}), zeros({3})}); });
  EXPECT_NE(msg.find("same shape"), std::string::npos) << msg;
}

TEST(Subset, RenumbersExamples) {
  auto ds = make_dataset(10);
  data::Subset sub(ds, {9, 2, 5});
  EXPECT_EQ(sub.size(), 3);
  EXPECT_EQ(sub.get(1).label, 2);
  Batch b = sub.get_batch({0, 2});
  EXPECT_EQ(b.labels.to_vector<int64_t>(), (std::vector<int64_t>{9, 5}));
  EXPECT_EQ(b.indices, (std::vector<int64_t>{0, 2}));
  EXPECT_NE(error_of([&] { data::Subset(ds, {10}); }).find("out of range"), std::string::npos);
}

// ---- DataLoader order ----

TEST(DataLoader, SequentialBatchesCoverTheDataOnce) {
  auto ds = make_dataset(10);
  DataLoader loader(ds, {.batch_size = 4});
  EXPECT_EQ(loader.batches_per_epoch(), 3);
  std::vector<Batch> epoch = drain_epoch(loader);
  ASSERT_EQ(epoch.size(), 3u);
  EXPECT_EQ(epoch[0].indices, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(epoch[2].indices, (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(epoch[2].inputs.shape(), (Shape{2, 1, 4, 5}));
  EXPECT_EQ(epoch[1].labels.to_vector<int64_t>(), (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(loader.position(), (DataPosition{1, 0}));
  // The next epoch starts over.
  EXPECT_EQ(drain_epoch(loader).size(), 3u);
  EXPECT_EQ(loader.position(), (DataPosition{2, 0}));
}

TEST(DataLoader, DropLast) {
  auto ds = make_dataset(10);
  DataLoader loader(ds, {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(loader.batches_per_epoch(), 2);
  std::vector<Batch> epoch = drain_epoch(loader);
  ASSERT_EQ(epoch.size(), 2u);
  for (const Batch& b : epoch) EXPECT_EQ(b.inputs.size(0), 4);
  DataLoader tiny(make_dataset(3), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(tiny.batches_per_epoch(), 0);
  EXPECT_FALSE(tiny.next().has_value());
}

TEST(DataLoader, ShuffleIsASeededPermutationPerEpoch) {
  auto ds = make_dataset(50);
  DataLoader a(ds, {.batch_size = 8, .shuffle = true, .seed = 7});
  DataLoader b(ds, {.batch_size = 8, .shuffle = true, .seed = 7});
  DataLoader c(ds, {.batch_size = 8, .shuffle = true, .seed = 8});
  std::vector<int64_t> e0 = a.order(0), e1 = a.order(1);
  std::vector<int64_t> sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(e0, b.order(0));
  EXPECT_NE(e0, c.order(0));
  // Served batches follow order(epoch).
  std::vector<int64_t> served;
  for (const Batch& batch : drain_epoch(a)) served.insert(served.end(), batch.indices.begin(), batch.indices.end());
  EXPECT_EQ(served, e0);
  served.clear();
  for (const Batch& batch : drain_epoch(a)) served.insert(served.end(), batch.indices.begin(), batch.indices.end());
  EXPECT_EQ(served, e1);
}

TEST(DataLoader, OrderIsPinned) {
  // The shuffle must never change silently: resumed runs and published results depend on it.
  DataLoader loader(make_dataset(10), {.batch_size = 10, .shuffle = true, .seed = 42});
  std::vector<int64_t> order = loader.order(0);
  DataLoader again(make_dataset(10), {.batch_size = 10, .shuffle = true, .seed = 42});
  EXPECT_EQ(order, again.order(0));
  std::set<int64_t> unique(order.begin(), order.end());
  EXPECT_EQ(unique.size(), 10u);
  std::vector<int64_t> identity(10);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(order, identity);
}

TEST(DataLoader, PrefetchDoesNotChangeWhatIsServed) {
  auto ds = make_dataset(23);
  auto opts = [](int64_t prefetch) {
    return DataLoaderOptions{.batch_size = 5,
                             .shuffle = true,
                             .seed = 3,
                             .prefetch = prefetch,
                             .transforms = {data::to_float(), data::random_crop(4, 5, 1),
                                            data::random_horizontal_flip()}};
  };
  DataLoader sync(ds, opts(0)), async(ds, opts(2)), deep(ds, opts(7));
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<Batch> a = drain_epoch(sync);
    expect_same_batches(a, drain_epoch(async));
    expect_same_batches(a, drain_epoch(deep));
  }
}

// ---- Exact resume ----

TEST(DataLoader, SeekResumesExactly) {
  auto ds = make_dataset(37);
  DataLoaderOptions opts{.batch_size = 6,
                         .shuffle = true,
                         .seed = 11,
                         .transforms = {data::to_float(), data::random_crop(4, 4, 2), data::random_horizontal_flip(0.5),
                                        data::normalize({0.5}, {0.25})}};
  DataLoader original(ds, opts);
  drain_epoch(original);
  original.next();
  original.next();
  const DataPosition saved = original.position();
  EXPECT_EQ(saved, (DataPosition{1, 2}));
  std::vector<Batch> rest = drain_epoch(original);
  std::vector<Batch> following = drain_epoch(original);

  DataLoader resumed(ds, opts);  // as after a restart
  resumed.seek(saved);
  EXPECT_EQ(resumed.position(), saved);
  expect_same_batches(rest, drain_epoch(resumed));
  expect_same_batches(following, drain_epoch(resumed));

  // Seeking back on a running loader works too, and to the end of an epoch.
  resumed.seek({1, 2});
  expect_same_batches(rest, drain_epoch(resumed));
  resumed.seek({0, original.batches_per_epoch()});
  EXPECT_FALSE(resumed.next().has_value());
  EXPECT_EQ(resumed.position(), (DataPosition{1, 0}));
}

TEST(DataLoader, SeekRejectsPositionsOutsideTheData) {
  DataLoader loader(make_dataset(10), {.batch_size = 4});
  EXPECT_NE(error_of([&] { loader.seek({0, 4}); }).find("an epoch has 3 batches"), std::string::npos);
  EXPECT_NE(error_of([&] { loader.seek({-1, 0}); }).find("outside the data"), std::string::npos);
}

// ---- Threads: shutdown and errors ----

TEST(DataLoader, DestroyMidEpochDoesNotHang) {
  auto ds = std::make_shared<ControlledDataset>(1000);
  ds->delay_ms = 2;
  auto start = std::chrono::steady_clock::now();
  {
    DataLoader loader(ds, {.batch_size = 4, .prefetch = 2});
    ASSERT_TRUE(loader.next().has_value());
    // The worker is now blocked on a full queue or building a batch.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  {
    DataLoader never_started(ds, {.batch_size = 4});
  }
  {
    DataLoader started(ds, {.batch_size = 4, .prefetch = 1});
    started.next();
    started.seek({3, 1});
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(DataLoader, LoaderThreadErrorsReachTheCallerAndRetryWorks) {
  auto ds = std::make_shared<ControlledDataset>(12);
  ds->fail_at = 5;
  DataLoader loader(ds, {.batch_size = 4});
  ASSERT_TRUE(loader.next().has_value());  // 0..3
  std::string msg = error_of([&] { loader.next(); });
  EXPECT_NE(msg.find("example 5 is broken"), std::string::npos) << msg;
  EXPECT_EQ(loader.position(), (DataPosition{0, 1}));
  ds->fail_at = -1;  // fixed: the same batch comes next
  auto b = loader.next();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->indices, (std::vector<int64_t>{4, 5, 6, 7}));
}

TEST(DataLoader, OptionErrors) {
  auto ds = make_dataset(4);
  EXPECT_NE(error_of([&] { DataLoader(ds, {.batch_size = 0}); }).find("batch_size must be positive"), std::string::npos);
  EXPECT_NE(error_of([&] { DataLoader(ds, {.prefetch = -1}); }).find("prefetch"), std::string::npos);
  EXPECT_NE(error_of([&] { DataLoader(nullptr, {}); }).find("needs a dataset"), std::string::npos);
}

// ---- Transforms ----

namespace {
data::TransformContext context_for(const std::vector<int64_t>& indices, uint64_t seed = 1, int64_t epoch = 0) {
  data::TransformContext ctx;
  ctx.seed = seed;
  ctx.stream = 1;
  ctx.epoch = epoch;
  ctx.indices = &indices;
  return ctx;
}
}  // namespace

TEST(Transforms, ToFloatAndNormalize) {
  std::vector<int64_t> idx = {0, 1};
  Tensor u8 = from_vector(std::vector<double>{0, 51, 255, 102}, {2, 2}, DType::u8);
  Tensor f = data::to_float()->apply(u8, context_for(idx));
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{0.0f, 51.0f / 255.0f, 1.0f, 102.0f / 255.0f}));

  // Per channel on axis 1 of (B, C, H, W).
  Tensor x = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 1, 2}, DType::f32);
  Tensor n = data::normalize({1.0, 2.0}, {2.0, 4.0})->apply(x, context_for(idx));
  EXPECT_EQ(n.to_vector<float>(), (std::vector<float>{0.0f, 0.5f, 0.25f, 0.5f, 2.0f, 2.5f, 1.25f, 1.5f}));
  EXPECT_NE(error_of([&] { data::normalize({0, 0, 0}, {1, 1, 1})->apply(x, context_for(idx)); }).find("2 channels"),
            std::string::npos);
  EXPECT_NE(error_of([&] { data::normalize({0}, {1})->apply(u8, context_for(idx)); }).find("to_float"),
            std::string::npos);
  EXPECT_NE(error_of([] { data::normalize({0}, {0}); }).find("> 0"), std::string::npos);
}

TEST(Transforms, RandomCropMovesPixelsAndPadsWithZeros) {
  // One 1x3x3 image with values 1..9, cropped 3x3 out of the 5x5 padded image.
  Tensor img = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, DType::f32);
  std::set<std::vector<float>> seen;
  for (int64_t index = 0; index < 200; ++index) {
    std::vector<int64_t> idx = {index};
    std::vector<float> v = data::random_crop(3, 3, 1)->apply(img, context_for(idx)).to_vector<float>();
    // Every output pixel is 0 or the source pixel at one common shift (dy, dx) in [-1, 1]^2.
    bool found = false;
    for (int dy = -1; dy <= 1 && !found; ++dy)
      for (int dx = -1; dx <= 1 && !found; ++dx) {
        bool ok = true;
        for (int y = 0; y < 3; ++y)
          for (int x = 0; x < 3; ++x) {
            int sy = y + dy, sx = x + dx;
            float want = (sy >= 0 && sy < 3 && sx >= 0 && sx < 3) ? static_cast<float>(sy * 3 + sx + 1) : 0.0f;
            ok = ok && v[static_cast<size_t>(y * 3 + x)] == want;
          }
        found = ok;
      }
    EXPECT_TRUE(found) << "index " << index;
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 9u);  // every shift happens
  // Smaller windows, any dtype.
  Tensor u8 = zeros({2, 3, 8, 8}, DType::u8);
  std::vector<int64_t> idx = {0, 1};
  EXPECT_EQ(data::random_crop(5, 6)->apply(u8, context_for(idx)).shape(), (Shape{2, 3, 5, 6}));
  EXPECT_NE(error_of([&] { data::random_crop(9, 9)->apply(u8, context_for(idx)); }).find("cannot cut"),
            std::string::npos);
}

TEST(Transforms, HorizontalFlip) {
  Tensor img = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {1, 1, 2, 3}, DType::f32);
  std::vector<int64_t> idx = {0};
  EXPECT_EQ(data::random_horizontal_flip(1.0)->apply(img, context_for(idx)).to_vector<float>(),
            (std::vector<float>{3, 2, 1, 6, 5, 4}));
  EXPECT_EQ(data::random_horizontal_flip(0.0)->apply(img, context_for(idx)).to_vector<float>(),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // About half of the samples flip at p = 0.5.
  int flipped = 0;
  for (int64_t i = 0; i < 400; ++i) {
    std::vector<int64_t> one = {i};
    flipped += data::random_horizontal_flip()->apply(img, context_for(one)).to_vector<float>()[0] == 3.0f;
  }
  EXPECT_GT(flipped, 150);
  EXPECT_LT(flipped, 250);
}

TEST(Transforms, DrawsDependOnSeedEpochAndIndexOnly) {
  auto ds = make_dataset(16);
  Batch all = ds->get_batch({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  auto crop = data::random_crop(4, 5, 2);
  std::vector<int64_t> idx(16);
  std::iota(idx.begin(), idx.end(), 0);
  Tensor whole = crop->apply(all.inputs, context_for(idx, 5, 3));
  // Sample 9 alone gives the same crop as inside the batch...
  std::vector<int64_t> nine = {9};
  EXPECT_EQ(bytes_of(crop->apply(ds->get_batch({9}).inputs, context_for(nine, 5, 3))), bytes_of(whole.select(0, 9)));
  // ...and other epochs or seeds give other crops for some samples.
  EXPECT_NE(bytes_of(crop->apply(all.inputs, context_for(idx, 5, 4))), bytes_of(whole));
  EXPECT_NE(bytes_of(crop->apply(all.inputs, context_for(idx, 6, 3))), bytes_of(whole));
  // Without indices the transform says what is missing.
  data::TransformContext bare;
  EXPECT_NE(error_of([&] { crop->apply(all.inputs, bare); }).find("dataset index"), std::string::npos);
}
