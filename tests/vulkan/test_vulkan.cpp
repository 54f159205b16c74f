// Behaviour of the Vulkan plugin beyond op results (the conformance suite checks those):
// errors (out of memory, bad indices reported at the next synchronization), batching across
// many submissions, large transfers through the staging ring, memory reuse, and use from
// two threads. Every test skips when no Vulkan device is present.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <thread>
#include <vector>

#include "silica/silica.h"

using namespace silica;

namespace {

bool has_vulkan() {
  for (const Device& d : devices())
    if (d.plugin() == "vulkan") return true;
  return false;
}

#define REQUIRE_VULKAN()                                                                         \
  do {                                                                                           \
    if (!has_vulkan()) GTEST_SKIP() << "no Vulkan device (apt-get install mesa-vulkan-drivers)"; \
  } while (0)

TensorOptions on_vulkan(DType dtype = DType::f32) {
  return TensorOptions(dtype).with_device(Device("vulkan"));
}

std::vector<double> iota(int64_t n, double scale) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<double>(i % 1000) * scale;
  return v;
}

TEST(Vulkan, LavapipeIsNeverTheDefaultDevice) {
  REQUIRE_VULKAN();
  Device d("vulkan");
  EXPECT_FALSE(d.name().empty());
  if (d.kind() == DeviceKind::cpu) {
    EXPECT_NE(devices().front().plugin(), "vulkan");
  }
}

TEST(Vulkan, OutOfMemoryNamesRequestedInUseAndTotal) {
  REQUIRE_VULKAN();
  Device d("vulkan");
  const int64_t too_many = static_cast<int64_t>(d.memory_bytes() / 4 + (int64_t{1} << 28));
  try {
    Tensor t = empty({too_many}, on_vulkan());
    FAIL() << "allocating " << too_many << " floats should fail";
  } catch (const OutOfMemoryError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("requested"), std::string::npos) << m;
    EXPECT_NE(m.find("in use"), std::string::npos) << m;
    EXPECT_NE(m.find("total"), std::string::npos) << m;
  }
  // The device still works afterwards.
  EXPECT_EQ((ones({4}, on_vulkan()) * 2.0).to_vector<float>(), std::vector<float>(4, 2.0f));
}

TEST(Vulkan, BadIndexIsReportedAtTheNextSynchronization) {
  REQUIRE_VULKAN();
  Tensor x = from_vector(iota(7 * 3, 1.0), {7, 3}).to(Device("vulkan"));
  Tensor index = from_vector(std::vector<int64_t>{1, 12, 2}).to(Device("vulkan"));
  try {
    index_select(x, 0, index).to_vector<float>();
    FAIL() << "index 12 of 7 rows should fail";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("index 12 is out of range for axis 0 of size 7"), std::string::npos) << m;
    EXPECT_NE(m.find("index_select"), std::string::npos) << m;
  }
  // The report is cleared: good indices work again.
  Tensor good = from_vector(std::vector<int64_t>{6, 0}).to(Device("vulkan"));
  EXPECT_EQ(index_select(x, 0, good).to_vector<float>(), (std::vector<float>{18, 19, 20, 0, 1, 2}));
}

TEST(Vulkan, BadClassTargetIsReported) {
  REQUIRE_VULKAN();
  Tensor logits = zeros({2, 10}, on_vulkan());
  Tensor target = from_vector(std::vector<int64_t>{3, 12}).to(Device("vulkan"));
  try {
    cross_entropy(logits, target).to_vector<float>();
    FAIL() << "target 12 of 10 classes should fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("target 12 is out of range for 10 classes"), std::string::npos)
        << e.what();
  }
}

TEST(Vulkan, LongChainsSpanManySubmissions) {
  REQUIRE_VULKAN();
  // More dispatches than one batch holds, each depending on the last, with temporaries
  // freed and their memory reused along the way.
  Tensor x = zeros({1000}, on_vulkan());
  for (int i = 0; i < 1500; ++i) x = (x + 2.0) - 1.0;
  for (float v : x.to_vector<float>()) ASSERT_EQ(v, 1500.0f);
}

TEST(Vulkan, LargeTransfersPassThroughTheStagingRing) {
  REQUIRE_VULKAN();
  const int64_t n = 11 * (int64_t{1} << 20);  // 44 MB of f32: several staging chunks
  std::vector<double> values = iota(n, 0.5);
  Tensor x = from_vector(values).to(Device("vulkan"));
  std::vector<float> back = (x * 2.0).to_vector<float>();
  ASSERT_EQ(back.size(), values.size());
  for (size_t i = 0; i < back.size(); i += 4099) ASSERT_EQ(back[i], static_cast<float>(values[i] * 2.0)) << i;
  EXPECT_EQ(back.back(), static_cast<float>(values.back() * 2.0));
}

TEST(Vulkan, UploadsWhileWorkIsInFlightKeepTheirOrder) {
  REQUIRE_VULKAN();
  // Overwrite a tensor from the host right after enqueueing work that reads it: the work
  // must see the old values, later work the new ones.
  Tensor x = full({4096}, 1.0, on_vulkan());
  Tensor before = x * 3.0;
  x.copy_(full({4096}, 5.0));
  Tensor after = x * 3.0;
  EXPECT_EQ(before.to_vector<float>(), std::vector<float>(4096, 3.0f));
  EXPECT_EQ(after.to_vector<float>(), std::vector<float>(4096, 15.0f));
}

TEST(Vulkan, TwoThreadsShareTheDevice) {
  REQUIRE_VULKAN();
  // As a DataLoader does: one thread moves batches to the device while another computes.
  std::vector<Tensor> moved(64);
  std::thread loader([&] {
    for (size_t i = 0; i < moved.size(); ++i)
      moved[i] = full({256, 64}, static_cast<double>(i)).to(Device("vulkan"));
  });
  Tensor acc = zeros({256, 64}, on_vulkan());
  for (int i = 0; i < 200; ++i) acc = acc + 1.0;
  loader.join();
  for (size_t i = 0; i < moved.size(); ++i) acc = acc + moved[i];
  const float expected = 200.0f + static_cast<float>(moved.size() * (moved.size() - 1) / 2);
  for (float v : acc.to_vector<float>()) ASSERT_EQ(v, expected);
}

TEST(Vulkan, NarrowDtypesDoNotRaceOnSharedWords) {
  REQUIRE_VULKAN();
  // Neighbouring u8 / f16 elements share 32-bit words; each is written by its own invocation.
  Tensor x = arange(0.0, 4099.0, 1.0, on_vulkan());
  std::vector<int64_t> bytes =
      (x.to(DType::u8) + from_vector(std::vector<int32_t>{1}).to(Device("vulkan")).to(DType::u8))
          .to(DType::i64)
          .to_vector<int64_t>();
  for (int64_t i = 0; i < 4099; ++i) ASSERT_EQ(bytes[static_cast<size_t>(i)], (i + 1) % 256) << i;
  std::vector<float> halves = (x.to(DType::f16) * 2.0).to_vector<float>();
  for (int64_t i = 0; i < 2048; ++i)
    ASSERT_EQ(halves[static_cast<size_t>(i)], static_cast<float>(2 * i)) << i;
}

TEST(Vulkan, CopiesAreBitExact) {
  REQUIRE_VULKAN();
  // clone() of a contiguous tensor moves whole 16-byte chunks where its size and both
  // bases allow (else the strided copy: odd sizes, a slice starting off a boundary);
  // contiguous() of a transposed view takes the tiled transpose (2- and 4-byte elements,
  // rows of x as whole words) or, where that does not apply (odd rows of 2-byte elements,
  // 1- and 8-byte elements, batch dims that do not merge), the strided copy: sizes around
  // its tiles (64 rows by 128 bytes), rows of whole 16-byte chunks or not, batches, and
  // transposed slices of wider matrices.
  manual_seed(11);
  const Device gpu("vulkan");
  for (DType dtype : {DType::f32, DType::f16, DType::bf16, DType::i32, DType::u8, DType::i64}) {
    for (Shape shape : {Shape{2, 2}, Shape{63, 65}, Shape{64, 64}, Shape{130, 67}, Shape{67, 130},
                        Shape{3, 33, 96}, Shape{2, 3, 70, 34}, Shape{2, 136, 200}}) {
      Tensor x = (randn(shape) * 100.0).to(dtype);
      Tensor want = x.mT().contiguous();
      Tensor got = x.to(gpu).mT().contiguous().to(Device());
      ASSERT_EQ(got.shape(), want.shape());
      EXPECT_EQ(got.to(DType::f64).to_vector<double>(), want.to(DType::f64).to_vector<double>())
          << dtype_name(dtype) << " " << shape_str(shape);
      Tensor on_gpu = x.to(gpu);
      EXPECT_EQ(on_gpu.clone().to(Device()).to(DType::f64).to_vector<double>(),
                x.to(DType::f64).to_vector<double>())
          << "clone " << dtype_name(dtype) << " " << shape_str(shape);
      EXPECT_EQ(on_gpu.reshape({-1})
                    .narrow(0, 1, x.numel() - 1)
                    .clone()
                    .to(Device())
                    .to(DType::f64)
                    .to_vector<double>(),
                x.reshape({-1}).narrow(0, 1, x.numel() - 1).to(DType::f64).to_vector<double>())
          << "clone of a slice " << dtype_name(dtype) << " " << shape_str(shape);
    }
    // A transposed slice (rows of x longer than the slice), and batch dims permuted so
    // they do not merge.
    for (auto [rows, cols, start, length] : {std::array<int64_t, 4>{40, 100, 10, 50}, {48, 128, 16, 64}}) {
      Tensor slice = (randn({2, rows, cols}) * 100.0).to(dtype).narrow(2, start, length);
      EXPECT_EQ(slice.to(gpu).mT().contiguous().to(Device()).to(DType::f64).to_vector<double>(),
                slice.mT().contiguous().to(DType::f64).to_vector<double>())
          << dtype_name(dtype) << " " << rows << "x" << cols;
    }
    Tensor batched = (randn({3, 4, 20, 30}) * 100.0).to(dtype);
    EXPECT_EQ(
        batched.to(gpu).permute({1, 0, 3, 2}).contiguous().to(Device()).to(DType::f64).to_vector<double>(),
        batched.permute({1, 0, 3, 2}).contiguous().to(DType::f64).to_vector<double>())
        << dtype_name(dtype);
  }
}

TEST(Vulkan, MatmulMatchesTheCpuOnTiledSizes) {
  REQUIRE_VULKAN();
  // Sizes around the 64 x 64 tile and 16-deep k slices, transposed operands included.
  for (int64_t m : {1, 63, 64, 65, 130}) {
    for (int64_t k : {1, 15, 17, 64}) {
      manual_seed(static_cast<uint64_t>(m * 100 + k));
      Tensor a = randn({m, k}), b = randn({70, k});
      Tensor want = matmul(a, b.mT());
      Tensor got = matmul(a.to(Device("vulkan")), b.to(Device("vulkan")).mT()).to(Device());
      EXPECT_LT(max(abs(got - want)).item(), 1e-4 * std::sqrt(static_cast<double>(k))) << m << "x" << k;
    }
  }
}

TEST(Vulkan, HalfMatmulMatchesTheCpu) {
  REQUIRE_VULKAN();
  // Big enough for the tensor-core path where the device has one (NVIDIA), with edges that
  // do not fill its 128 x 128 tiles, transposed operands and a batch.
  struct Shape3 {
    int64_t batch, m, k, n;
    bool ta, tb;
  };
  for (const Shape3& s : {Shape3{1, 256, 256, 256, false, false}, Shape3{1, 300, 130, 200, true, false},
                          Shape3{1, 130, 258, 129, false, true}, Shape3{3, 129, 96, 200, true, true}}) {
    manual_seed(static_cast<uint64_t>(s.m * 7 + s.n));
    Tensor a = randn(s.ta ? Shape{s.batch, s.k, s.m} : Shape{s.batch, s.m, s.k}).to(DType::f16);
    Tensor b = randn(s.tb ? Shape{s.batch, s.n, s.k} : Shape{s.batch, s.k, s.n}).to(DType::f16);
    auto product = [&](const Tensor& x, const Tensor& w) {
      return matmul(s.ta ? x.mT() : x, s.tb ? w.mT() : w).to(DType::f32);
    };
    Tensor want = product(a, b);
    Tensor got = product(a.to(Device("vulkan")), b.to(Device("vulkan"))).to(Device());
    // Both round an f32 sum once to f16: one f16 ulp apart at most, plus summation order.
    Tensor err = max(abs(got - want) / (abs(want) + 1.0));
    EXPECT_LT(err.item(), 2e-3) << s.m << "x" << s.k << "x" << s.n;
  }
}

}  // namespace
