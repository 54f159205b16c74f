// Indexing, joining/splitting and one_hot: exact values on small cases, and the errors
// (out-of-range indices, mismatched shapes) with messages that name the problem.
// Gradients of every op are checked by the conformance suite's finite differences.
#include <gtest/gtest.h>

#include "silica/silica.h"
#include "test_support.h"

using namespace silica;
using silica::testing::error_of;

namespace {

Tensor i64(std::vector<int64_t> v, Shape shape = {}) { return from_vector(v, shape); }

}  // namespace

TEST(Index, IndexSelectAndAddAreAdjoint) {
  Tensor x = from_vector(std::vector<double>{0, 1, 2, 3, 4, 5}, {3, 2}).requires_grad_();
  Tensor y = index_select(x, 0, i64({2, 0, 2}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{4, 5, 0, 1, 4, 5}));
  sum(y).backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{1, 1, 0, 0, 2, 2}));  // row 2 picked twice

  Tensor base = zeros({2, 3});
  Tensor src = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  Tensor added = index_add(base, 1, i64({0, 2, 0, 1}), src);
  EXPECT_EQ(added.to_vector<float>(), (std::vector<float>{4, 4, 2, 12, 8, 6}));
}

TEST(Index, GatherAndScatterAdd) {
  Tensor x = from_vector(std::vector<double>{10, 11, 12, 20, 21, 22}, {2, 3});
  Tensor g = gather(x, 1, i64({2, 2, 0, 1}, {2, 2}));
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{12, 12, 20, 21}));
  Tensor s = scatter_add(zeros({2, 3}), 1, i64({2, 2, 0, 1}, {2, 2}), ones({2, 2}));
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{0, 0, 2, 1, 1, 0}));
  Tensor e = embedding(x.mT().contiguous(), i64({2, 0}, {1, 2}));
  EXPECT_EQ(e.shape(), (Shape{1, 2, 2}));
  EXPECT_EQ(e.to_vector<float>(), (std::vector<float>{12, 22, 10, 20}));
}

TEST(Index, AccumulationIsExactAndRaceFree) {
  // Many duplicates across a parallel-sized problem: every target gets exactly its count.
  int64_t n = 200000;
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) idx[i] = (i * 7) % 5;
  Tensor counts = index_add(zeros({5, 3}), 0, i64(idx), ones({n, 3}));
  EXPECT_EQ(counts.to_vector<float>(), std::vector<float>(15, 40000.0f));
  Tensor sc = scatter_add(zeros({5, 3}), 0, i64(idx, {n, 1}).expand({n, 3}).contiguous(), ones({n, 3}));
  EXPECT_EQ(sc.to_vector<float>(), std::vector<float>(15, 40000.0f));
}

TEST(Index, OutOfRangeIndicesAreReported) {
  Tensor x = zeros({10, 4});
  std::string msg = error_of([&] { index_select(x, 0, i64({3, 12, 11})); });
  EXPECT_NE(msg.find("[index_select]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("index 12 is out of range for axis 0 of size 10"), std::string::npos) << msg;
  msg = error_of([&] { embedding(x, i64({-1})); });
  EXPECT_NE(msg.find("index -1 is out of range for axis 0 of size 10"), std::string::npos) << msg;
  msg = error_of([&] { gather(x, 1, i64({0, 4}, {1, 2})); });
  EXPECT_NE(msg.find("index 4 is out of range for axis 1 of size 4"), std::string::npos) << msg;
  msg = error_of([&] { scatter_add(x, 0, i64({10}, {1, 1}), ones({1, 1})); });
  EXPECT_NE(msg.find("index 10 is out of range for axis 0 of size 10"), std::string::npos) << msg;
  msg = error_of([&] { index_add(x, 0, i64({0, 10}), ones({2, 4})); });
  EXPECT_NE(msg.find("index 10 is out of range for axis 0 of size 10"), std::string::npos) << msg;
  // In a large parallel gather, the reported index is the first bad one.
  std::vector<int64_t> big(100000, 1);
  big[70000] = 50;
  big[90000] = 60;
  msg = error_of([&] { gather(zeros({10}), 0, i64(big)); });
  EXPECT_NE(msg.find("index 50 is out of range"), std::string::npos) << msg;
}

TEST(Index, ShapeErrors) {
  std::string msg = error_of([] { gather(zeros({3, 4}), 0, i64({0, 1})); });
  EXPECT_NE(msg.find("as many dimensions"), std::string::npos) << msg;
  msg = error_of([] { gather(zeros({3, 4}), 0, i64({0, 0, 0, 0, 0}, {1, 5})); });
  EXPECT_NE(msg.find("exceeds input shape (3,4) at axis 1"), std::string::npos) << msg;
  msg = error_of([] { index_add(zeros({3, 4}), 0, i64({0, 1}), ones({3, 4})); });
  EXPECT_NE(msg.find("src has shape (3,4) but needs (2,4)"), std::string::npos) << msg;
  msg = error_of([] { index_select(zeros({3}), 0, zeros({2})); });
  EXPECT_NE(msg.find("must be an integer tensor"), std::string::npos) << msg;
  msg = error_of([] { one_hot(i64({1, 7}), 5); });
  EXPECT_NE(msg.find("class index 7 is out of range for num_classes 5"), std::string::npos) << msg;
}

TEST(Join, CatPromotesAndRoutesGradients) {
  Tensor a = from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2}).requires_grad_();
  Tensor b = from_vector(std::vector<double>{5, 6}, {2, 1}, DType::f64).requires_grad_();
  Tensor y = cat({a, b}, 1);
  EXPECT_EQ(y.dtype(), DType::f64);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, 2, 5, 3, 4, 6}));
  sum(y * from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, DType::f64)).backward();
  EXPECT_EQ(a.grad().dtype(), DType::f32);
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{1, 2, 4, 5}));
  EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{3, 6}));
  // 1-D empty tensors are skipped (PyTorch's legacy rule).
  EXPECT_EQ(cat({zeros({0}), a}).shape(), (Shape{2, 2}));
}

TEST(Join, CatAndStackErrorsNameTheTensor) {
  std::string msg = error_of([] { cat({zeros({2, 3}), zeros({2, 3}), zeros({3, 4})}, 0); });
  EXPECT_NE(msg.find("[cat] tensor 2 has shape (3,4) but tensor 0 has (2,3)"), std::string::npos) << msg;
  msg = error_of([] { stack({zeros({2, 3}), zeros({3, 2})}); });
  EXPECT_NE(msg.find("[stack] tensor 1 has shape (3,2)"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { cat({}); }).find("at least one"), std::string::npos);
  EXPECT_NE(error_of([] { cat({scalar(1.0)}); }).find("0-dimensional"), std::string::npos);
  EXPECT_EQ(stack({zeros({2, 3}), ones({2, 3})}, -1).shape(), (Shape{2, 3, 2}));
}

TEST(Join, SplitAndChunkAreViews) {
  Tensor x = arange(0.0, 10.0);
  std::vector<Tensor> parts = split(x, 4);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].to_vector<float>(), (std::vector<float>{8, 9}));
  EXPECT_EQ(parts[1].storage_id(), x.storage_id());
  std::vector<Tensor> pieces = split(x, std::vector<int64_t>{1, 0, 9});
  EXPECT_EQ(pieces[1].numel(), 0);
  EXPECT_NE(error_of([&] {
              split(x, std::vector<int64_t>{3, 3});
            }).find("sum to 6 but axis 0"),
            std::string::npos);
  std::vector<Tensor> chunks = chunk(x, 3);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].numel(), 4);
  EXPECT_EQ(chunks[2].numel(), 2);
}

TEST(OneHot, ValuesAndDtype) {
  Tensor y = one_hot(i64({2, 0, 1}, {3}), 4, DType::i64);
  EXPECT_EQ(y.shape(), (Shape{3, 4}));
  EXPECT_EQ(y.dtype(), DType::i64);
  EXPECT_EQ(y.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(one_hot(i64({3, 1}), -1).shape(), (Shape{2, 4}));  // -1: max + 1 classes
}
