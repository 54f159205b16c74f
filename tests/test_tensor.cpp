// Tensors: views share storage, copies when needed, dtype/device moves, printing, errors.
#include <gtest/gtest.h>

#include <cmath>

#include "silica/silica.h"
#include "test_support.h"

using namespace silica;
using silica::testing::error_of;

namespace {

Tensor seq(const Shape& shape, DType dtype = DType::f32) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<double>(i) * 0.5 - 3.0;
  return from_vector(v, shape, dtype);
}

}  // namespace

TEST(Tensor, ShapeStridesAndContiguity) {
  Tensor t = seq({2, 3, 4});
  EXPECT_EQ(t.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(t.strides(), (Shape{12, 4, 1}));
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.dim(), 3);
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_TRUE(t.device().is_cpu());
}

TEST(Tensor, ViewsShareStorageAndNeverCopy) {
  Tensor t = seq({4, 6});
  std::vector<Tensor> views = {t.view({6, 4}),       t.reshape({2, 12}),   t.permute({1, 0}),
                               t.transpose(0, 1),    t.mT(),               t.narrow(1, 2, 3),
                               t.slice(0, 1, 4, 2),  t.select(0, 2),       t.unsqueeze(1),
                               t.unsqueeze(0).squeeze(0), t.reshape({4, 1, 6}).squeeze(), t.flatten(),
                               t.narrow(0, 0, 1).expand({5, 4, 6}), t.detach()};
  for (const Tensor& v : views) EXPECT_EQ(v.storage_id(), t.storage_id());
  EXPECT_FALSE(t.transpose(0, 1).is_contiguous());
  EXPECT_EQ(t.transpose(0, 1).strides(), (Shape{1, 6}));
  EXPECT_EQ(t.narrow(0, 0, 1).expand({5, 4, 6}).strides(), (Shape{0, 0, 1}));
}

TEST(Tensor, ViewValuesFollowTheLayout) {
  Tensor t = seq({3, 4});  // -3, -2.5, ..., 2.5
  EXPECT_EQ(t.transpose(0, 1).contiguous().to_vector<float>(),
            (std::vector<float>{-3, -1, 1, -2.5, -0.5, 1.5, -2, 0, 2, -1.5, 0.5, 2.5}));
  EXPECT_EQ(t.slice(1, 1, 4, 2).contiguous().to_vector<float>(), (std::vector<float>{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}));
  EXPECT_EQ(t.slice(1, -2, 4).contiguous().to_vector<float>(), (std::vector<float>{-2, -1.5, 0, 0.5, 2, 2.5}));
  EXPECT_EQ(t.select(1, -1).to_vector<float>(), (std::vector<float>{-1.5, 0.5, 2.5}));
  EXPECT_EQ(t.narrow(0, 1, 1).expand({2, 4}).contiguous().to_vector<float>(),
            (std::vector<float>{-1, -0.5, 0, 0.5, -1, -0.5, 0, 0.5}));
}

TEST(Tensor, ReshapeCopiesOnlyWhenStridesForbidAView) {
  Tensor t = seq({4, 6});
  Tensor tt = t.transpose(0, 1);
  EXPECT_THROW(tt.view({24}), Error);
  Tensor r = tt.reshape({24});
  EXPECT_NE(r.storage_id(), t.storage_id());
  EXPECT_EQ(r.to_vector<float>(), tt.contiguous().to_vector<float>());
  // Splitting a transposed axis is still a view.
  Tensor s = tt.reshape({3, 2, 4});
  EXPECT_EQ(s.storage_id(), t.storage_id());
  EXPECT_EQ(s.contiguous().to_vector<float>(), tt.contiguous().to_vector<float>());
  EXPECT_EQ(t.reshape({-1, 3}).shape(), (Shape{8, 3}));
}

TEST(Tensor, ContiguousOfAContiguousTensorIsItself) {
  Tensor t = seq({3, 3});
  EXPECT_EQ(t.contiguous().storage_id(), t.storage_id());
  Tensor c = t.mT().contiguous();
  EXPECT_NE(c.storage_id(), t.storage_id());
  EXPECT_TRUE(c.is_contiguous());
}

TEST(Tensor, DtypeConversions) {
  Tensor t = from_vector(std::vector<double>{-2.75, -0.5, 0.0, 1.5, 3.99}, {5});
  EXPECT_EQ(t.to(DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{-2, 0, 0, 1, 3}));
  EXPECT_EQ(t.to(DType::boolean).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0, 1, 1}));
  EXPECT_EQ(t.to(DType::f16).to_vector<float>(), (std::vector<float>{-2.75f, -0.5f, 0.0f, 1.5f, 3.990234375f}));
  EXPECT_EQ(t.to(DType::bf16).to_vector<float>(), (std::vector<float>{-2.75f, -0.5f, 0.0f, 1.5f, 3.984375f}));
  EXPECT_EQ(t.to(DType::f64).dtype(), DType::f64);
  Tensor big = from_vector(std::vector<double>{70000.0, 1e-8}, {2}).to(DType::f16);
  std::vector<float> h = big.to_vector<float>();
  EXPECT_TRUE(std::isinf(h[0]));
  EXPECT_NEAR(h[1], 1e-8, 1e-8);  // subnormal in f16
}

TEST(Tensor, ItemAndCreation) {
  EXPECT_DOUBLE_EQ(full({}, 2.5).item(), 2.5);
  EXPECT_EQ(zeros({2, 2}).to_vector<float>(), (std::vector<float>(4, 0.0f)));
  EXPECT_EQ(ones({3}, DType::i32).to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 1}));
  EXPECT_EQ(arange(5).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(1.0, 2.0, 0.25).to_vector<float>(), (std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f}));
  EXPECT_EQ(linspace(0, 1, 5).to_vector<float>(), (std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f, 1.0f}));
  EXPECT_EQ(eye(2, 3).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(tensor({1.0, 2.0}).shape(), (Shape{2}));
  EXPECT_NE(error_of([] { seq({2, 3}).item(); }).find("[item]"), std::string::npos);
  EXPECT_NE(error_of([] { from_vector(std::vector<double>{1, 2, 3}, {2, 2}); }).find("do not fill"),
            std::string::npos);
}

TEST(Tensor, InPlaceUpdates) {
  Tensor t = seq({2, 3});
  t.add_(ones({3}), 2.0);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{-1, -0.5, 0, 0.5, 1, 1.5}));
  t.mul_(2.0);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{-2, -1, 0, 1, 2, 3}));
  Tensor col = t.select(1, 1);  // a strided view: in-place writes go through to t
  col.fill_(7.0);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{-2, 7, 0, 1, 7, 3}));
  t.transpose(0, 1).copy_(seq({3, 2}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{-3, -2, -1, -2.5, -1.5, -0.5}));
}

TEST(Tensor, PrintingIsReadable) {
  Tensor t = from_vector(std::vector<double>{1, -2.5, 3, 4}, {2, 2});
  std::string s = t.str();
  EXPECT_NE(s.find("tensor([[1.0000, -2.5000],"), std::string::npos) << s;
  EXPECT_NE(s.find("shape=(2,2), dtype=f32, device=cpu"), std::string::npos) << s;
  EXPECT_NE(arange(3).str().find("[0, 1, 2]"), std::string::npos);
  EXPECT_NE(zeros({100, 100}).str().find("..."), std::string::npos);
  EXPECT_EQ(Tensor().str(), "tensor(undefined)");
}

TEST(Tensor, ErrorsNameTheFunctionAndOperands) {
  EXPECT_EQ(error_of([] { seq({2, 3}) + seq({4, 5}); }),
            "[add] cannot broadcast (2,3) with (4,5): sizes 2 and 4 differ at axis 0");
  EXPECT_NE(error_of([] { seq({2, 3}).view({4, 2}); }).find("[view] shape (4,2) has 8 elements"), std::string::npos);
  EXPECT_NE(error_of([] { seq({2, 3}).permute({0, 0}); }).find("[permute]"), std::string::npos);
  EXPECT_NE(error_of([] { seq({2, 3}).expand({4, 3, 4}); }).find("[expand] cannot expand shape (2,3)"),
            std::string::npos);
  EXPECT_NE(error_of([] { seq({2, 3}).narrow(1, 2, 2); }).find("[narrow]"), std::string::npos);
  EXPECT_NE(error_of([] { seq({2, 3}).size(2); }).find("[size] axis 2 is out of range"), std::string::npos);
  EXPECT_NE(error_of([] { Device("nosuch:0"); }).find("no device 'nosuch:0'"), std::string::npos);
  EXPECT_NE(error_of([] { dtype_from_name("f8"); }).find("unknown dtype 'f8'"), std::string::npos);
}

TEST(Tensor, TypePromotion) {
  EXPECT_EQ(promote_types(DType::f16, DType::bf16), DType::f32);
  EXPECT_EQ(promote_types(DType::i64, DType::f16), DType::f16);
  EXPECT_EQ(promote_types(DType::i32, DType::i64), DType::i64);
  EXPECT_EQ(promote_types(DType::boolean, DType::u8), DType::u8);
  EXPECT_EQ((seq({2}, DType::f16) * 2.0).dtype(), DType::f16);       // scalars do not widen
  EXPECT_EQ((arange(3) * 0.5).dtype(), DType::f32);                  // int * fractional -> float
  EXPECT_EQ((arange(3) / arange(1.0, 4.0, 1.0, DType::i64)).dtype(), DType::f32);  // true division
  EXPECT_EQ((seq({2}, DType::f16) + seq({2}, DType::f32)).dtype(), DType::f32);
}
