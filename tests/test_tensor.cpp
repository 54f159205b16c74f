#include <gtest/gtest.h>

#include "silica/silica.h"

using namespace silica;

TEST(Tensor, AddBroadcastsAndBackward) {
  Tensor a = from_vector(std::vector<double>{1.5, -2.0, 3.25, 0.5, 7.0, -1.0}, {2, 3}).requires_grad_();
  Tensor b = from_vector(std::vector<double>{0.25, 4.0, -3.0}, {3}).requires_grad_();
  Tensor y = sum(a * b + a);
  y.backward();
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{1.25f, 5.0f, -2.0f, 1.25f, 5.0f, -2.0f}));
  EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{2.0f, 5.0f, 2.25f}));
}
