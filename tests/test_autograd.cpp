// Autograd: accumulation, retain_graph, no_grad, detach, in-place rules, shared subgraphs.
#include <gtest/gtest.h>

#include "silica/silica.h"

using namespace silica;

namespace {
Tensor param(std::vector<double> v) { return from_vector(v, {}, DType::f64).requires_grad_(); }
}  // namespace

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = param({1.0, 2.0, 3.0});
  sum(x * x).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 4, 6}));
  sum(x * 3.0).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{5, 7, 9}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SharedSubgraphsSumTheirContributions) {
  Tensor x = param({0.5, -1.5});
  Tensor y = x * x;           // used twice below
  Tensor z = sum(y * y + y);  // dz/dx = (4x^3 + 2x)
  z.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{4 * 0.125 + 1.0, 4 * -3.375 - 3.0}));
}

TEST(Autograd, RetainGraphAllowsASecondPass) {
  Tensor x = param({2.0});
  Tensor y = sum(x * x * x);
  y.backward(Tensor(), true);
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{24.0}));
  try {
    y.backward();
    FAIL() << "a freed graph was walked again";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos);
  }
}

TEST(Autograd, NoGradAndDetachStopRecording) {
  Tensor x = param({1.0, 2.0});
  {
    NoGradGuard guard;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_TRUE(grad_enabled());
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.storage_id(), x.storage_id());
  Tensor y = sum(x * d);  // d is a constant: dy/dx = d
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1.0, 2.0}));
}

TEST(Autograd, ViewsCarryGradientsBack) {
  Tensor x = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, DType::f64).requires_grad_();
  Tensor y = sum(x.transpose(0, 1).slice(0, 0, 3, 2) * 2.0) + sum(x.reshape({3, 2}).select(1, 0)) +
             sum(x.narrow(0, 1, 1).expand({4, 3}));
  y.backward();
  // transpose/slice picks columns 0 and 2 (x2), reshape/select flat 0,2,4 (x1), expand row 1 (x4).
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3, 0, 3, 6, 5, 6}));
}

TEST(Autograd, NonScalarNeedsAGradientOfItsShape) {
  Tensor x = param({1.0, 2.0});
  Tensor y = x * 3.0;
  EXPECT_THROW(y.backward(), Error);
  EXPECT_THROW(y.backward(ones({3}, DType::f64)), Error);
  y.backward(from_vector(std::vector<double>{1.0, -1.0}, {}, DType::f64));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3.0, -3.0}));
}

TEST(Autograd, InPlaceOnTensorsThatNeedGradIsRefusedWhileRecording) {
  Tensor w = param({1.0, 2.0});
  EXPECT_THROW(w.add_(ones({2}, DType::f64)), Error);
  {
    NoGradGuard guard;  // how optimizers update parameters
    w.add_(ones({2}, DType::f64), -0.5);
  }
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{0.5, 1.5}));
}

TEST(Autograd, MixedDtypeGradientsArriveInTheLeafDtype) {
  Tensor a = from_vector(std::vector<double>{1.0, 2.0}, {}, DType::f16).requires_grad_();
  Tensor b = from_vector(std::vector<double>{3.0, 4.0}, {}, DType::f32).requires_grad_();
  sum(a * b).backward();
  EXPECT_EQ(a.grad().dtype(), DType::f16);
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{3.0f, 4.0f}));
  EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{1.0f, 2.0f}));
}

TEST(Autograd, OnlyFloatingLeavesCanRequireGrad) {
  EXPECT_THROW(arange(3).requires_grad_(), Error);
  Tensor x = param({1.0});
  Tensor y = x * 2.0;
  EXPECT_THROW(y.requires_grad_(false), Error);  // not a leaf
  EXPECT_FALSE(y.is_leaf());
  EXPECT_TRUE(x.is_leaf());
}
