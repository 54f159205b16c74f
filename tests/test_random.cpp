// Random numbers: Philox4x32-10 known answers, the documented mapping from Philox words to
// values, reproducibility of (seed, offset), and the statistics of each distribution.
// Also dropout, whose mask comes from bernoulli.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "../backends/cpu/philox.h"
#include "silica/random.h"
#include "silica/silica.h"

using namespace silica;
using silica::cpu::philox4x32_10;
using silica::cpu::philox_block;

namespace {

struct Moments {
  double mean = 0, var = 0;
};

Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size() - 1);
  return m;
}

constexpr int64_t kSamples = 100000;

}  // namespace

TEST(Philox, KnownAnswers) {
  // Random123's known-answer vectors for Philox4x32-10.
  auto zero = philox4x32_10({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(zero, (silica::cpu::PhiloxCounter{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  auto pi = philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u});
  EXPECT_EQ(pi, (silica::cpu::PhiloxCounter{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(Philox, SeedAndCounterLayout) {
  // key = (seed low word, seed high word); counter = (low word, high word, 0, 0).
  uint64_t seed = 0x0123456789abcdefull, counter = 0xfedcba9876543210ull;
  EXPECT_EQ(philox_block(seed, counter),
            philox4x32_10({0x76543210u, 0xfedcba98u, 0u, 0u}, {0x89abcdefu, 0x01234567u}));
}

TEST(Random, UniformMappingF32AndF64) {
  // f32: element i is (word 0 of philox(seed, offset + i)) >> 8, times 2^-24.
  Generator gen(1234);
  Tensor a = rand({50}, DType::f32, &gen);
  std::vector<float> av = a.to_vector<float>();
  for (int64_t i = 0; i < 50; ++i)
    EXPECT_EQ(av[i], std::ldexp(static_cast<float>(philox_block(1234, i)[0] >> 8), -24)) << i;
  // f64 takes 53 bits of words 0 and 1, and continues from the advanced offset.
  EXPECT_EQ(gen.offset(), 50u);
  Tensor b = rand({20}, DType::f64, &gen);
  std::vector<double> bv = b.to_vector<double>();
  for (int64_t i = 0; i < 20; ++i) {
    auto r = philox_block(1234, 50 + i);
    uint64_t w = (static_cast<uint64_t>(r[0]) << 32) | r[1];
    EXPECT_EQ(bv[i], std::ldexp(static_cast<double>(w >> 11), -53)) << i;
  }
  EXPECT_EQ(gen.offset(), 70u);
}

TEST(Random, SameSeedSameNumbersDifferentSeedsDiffer) {
  manual_seed(7);
  std::vector<float> a = randn({1000}).to_vector<float>();
  std::vector<float> a_next = randn({1000}).to_vector<float>();
  manual_seed(7);
  std::vector<float> b = randn({1000}).to_vector<float>();
  manual_seed(8);
  std::vector<float> c = randn({1000}).to_vector<float>();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, a_next);  // successive draws use fresh counters
}

TEST(Random, SavedStateReproduces) {
  Generator gen(99);
  rand({17}, {}, &gen);
  uint64_t seed = gen.seed(), offset = gen.offset();
  std::vector<float> first = rand({64}, {}, &gen).to_vector<float>();
  Generator replay;
  replay.set_state(seed, offset);
  EXPECT_EQ(rand({64}, {}, &replay).to_vector<float>(), first);
  EXPECT_EQ(replay.offset(), gen.offset());
}

TEST(Random, UniformStatistics) {
  Generator gen(5);
  for (DType dt : {DType::f32, DType::f64, DType::f16, DType::bf16}) {
    std::vector<double> v = rand({kSamples}, dt, &gen).to_vector<double>();
    for (double x : v) ASSERT_TRUE(x >= 0.0 && x < 1.0) << x << " " << dtype_name(dt);
    Moments m = moments(v);
    // Standard errors: sqrt(1/12/n) = 0.0009 for the mean, 0.00024 for the variance;
    // bf16's 256 levels bias the mean down by 1/512.
    EXPECT_NEAR(m.mean, 0.5, dt == DType::bf16 ? 0.007 : 0.005) << dtype_name(dt);
    EXPECT_NEAR(m.var, 1.0 / 12.0, 0.002) << dtype_name(dt);
  }
  std::vector<double> r = rand({kSamples}, DType::f64, &gen, -3.0, 5.0).to_vector<double>();
  for (double x : r) ASSERT_TRUE(x >= -3.0 && x < 5.0);
  EXPECT_NEAR(moments(r).mean, 1.0, 0.04);
}

TEST(Random, NormalStatistics) {
  Generator gen(6);
  for (DType dt : {DType::f32, DType::f64}) {
    Moments m = moments(randn({kSamples}, dt, &gen).to_vector<double>());
    EXPECT_NEAR(m.mean, 0.0, 0.016);  // 5 standard errors of 1/sqrt(n)
    EXPECT_NEAR(m.var, 1.0, 0.025);   // 5 standard errors of sqrt(2/n)
  }
  Moments m = moments(randn({kSamples}, DType::f32, &gen, 3.0, 0.5).to_vector<double>());
  EXPECT_NEAR(m.mean, 3.0, 0.008);
  EXPECT_NEAR(m.var, 0.25, 0.007);
}

TEST(Random, RandintRange) {
  Generator gen(8);
  for (DType dt : {DType::i64, DType::i32}) {
    Tensor t = randint(-3, 4, {kSamples}, dt, &gen);
    EXPECT_EQ(t.dtype(), dt);
    std::vector<int64_t> v = t.to_vector<int64_t>();
    std::vector<int64_t> counts(7, 0);
    for (int64_t x : v) {
      ASSERT_GE(x, -3);
      ASSERT_LT(x, 4);
      ++counts[x + 3];
    }
    for (int64_t c : counts) EXPECT_NEAR(static_cast<double>(c) / kSamples, 1.0 / 7.0, 0.006);
  }
  // A range wider than 32 bits uses two words.
  std::vector<int64_t> wide = randint(0, int64_t{1} << 40, {1000}, DType::i64, &gen).to_vector<int64_t>();
  EXPECT_GT(*std::max_element(wide.begin(), wide.end()), int64_t{1} << 39);
  EXPECT_THROW(randint(5, 5, {3}), Error);
  EXPECT_THROW(randint(0, int64_t{1} << 40, {3}, DType::i32), Error);
}

TEST(Random, RandpermIsAPermutation) {
  Generator gen(9);
  std::vector<int64_t> p = randperm(1000, DType::i64, &gen).to_vector<int64_t>();
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> expected(1000);
  std::iota(expected.begin(), expected.end(), int64_t{0});
  EXPECT_EQ(sorted, expected);
  EXPECT_NE(p, expected);
  EXPECT_EQ(gen.offset(), 1000u);
  EXPECT_EQ(randperm(0).numel(), 0);
  EXPECT_EQ(randperm(5, DType::i32).dtype(), DType::i32);
}

TEST(Random, BernoulliFrequency) {
  Generator gen(10);
  std::vector<double> v = bernoulli({kSamples}, 0.3, DType::f32, &gen).to_vector<double>();
  double hits = 0;
  for (double x : v) {
    ASSERT_TRUE(x == 0.0 || x == 1.0);
    hits += x;
  }
  EXPECT_NEAR(hits / kSamples, 0.3, 0.0075);  // 5 standard errors of sqrt(0.21/n)
  // Per-element probabilities: 0 and 1 are exact, 0.9 about 90%.
  Tensor p = cat({zeros({1000}), ones({1000}), full({kSamples}, 0.9)});
  std::vector<double> s = bernoulli(p, &gen).to_vector<double>();
  EXPECT_EQ(std::accumulate(s.begin(), s.begin() + 1000, 0.0), 0.0);
  EXPECT_EQ(std::accumulate(s.begin() + 1000, s.begin() + 2000, 0.0), 1000.0);
  EXPECT_NEAR(std::accumulate(s.begin() + 2000, s.end(), 0.0) / kSamples, 0.9, 0.005);
  EXPECT_THROW(bernoulli({3}, 1.5), Error);
}

TEST(Random, ErrorsNameTheProblem) {
  try {
    rand({3}, DType::i64);
    FAIL() << "rand accepted an integer dtype";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[rand]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("randint"), std::string::npos) << e.what();
  }
  EXPECT_THROW(randn({2}, {}, nullptr, 0.0, -1.0), Error);
}

TEST(Dropout, MaskScaleAndGradient) {
  manual_seed(3);
  Tensor x = full({kSamples}, 2.0).requires_grad_();
  Tensor y = dropout(x, 0.25);
  std::vector<float> v = y.to_vector<float>();
  int64_t dropped = 0;
  for (float e : v) {
    if (e == 0.0f)
      ++dropped;
    else
      ASSERT_FLOAT_EQ(e, 2.0f / 0.75f);
  }
  EXPECT_NEAR(static_cast<double>(dropped) / kSamples, 0.25, 0.007);
  sum(y).backward();
  std::vector<float> g = x.grad().to_vector<float>();
  for (size_t i = 0; i < g.size(); ++i) ASSERT_FLOAT_EQ(g[i], v[i] == 0.0f ? 0.0f : 1.0f / 0.75f);
}

TEST(Dropout, IdentityAndErrors) {
  Tensor x = randn({4, 5});
  EXPECT_EQ(dropout(x, 0.5, false).storage_id(), x.storage_id());
  EXPECT_EQ(dropout(x, 0.0, true).storage_id(), x.storage_id());
  EXPECT_THROW(dropout(x, 1.0), Error);
  EXPECT_THROW(dropout(x, -0.1), Error);
  // The mask depends only on the seed, not on the dtype.
  manual_seed(4);
  std::vector<double> a = dropout(ones({300}), 0.5).to_vector<double>();
  manual_seed(4);
  std::vector<double> b = dropout(ones({300}, DType::bf16), 0.5).to_vector<double>();
  EXPECT_EQ(a, b);
}
