// Modules, layers, initializers and losses: naming, checkpoints, modes, moves, statistics,
// hand-computed values, and an end-to-end check that a small MLP learns.
//
// The sample plugin (tests/plugin_example: a host-memory device running FILL, COPY, CAST,
// NEG, ADD, MUL) gives a second device for to(device); SILICA_PLUGIN_PATH is set before
// main() so the registry, loaded on first use, finds it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>

#include "silica/nn.h"
#include "silica/optim.h"
#include "silica/silica.h"
#include "test_support.h"

using namespace silica;
using silica::testing::error_of;
using silica::testing::Contains;

namespace {

#ifdef SILICA_SAMPLE_PLUGIN_DIR
const bool plugin_path_set = [] {
  setenv("SILICA_PLUGIN_PATH", SILICA_SAMPLE_PLUGIN_DIR, 1);
  unsetenv("SILICA_DEVICE");
  return true;
}();
#endif

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

std::vector<std::string> names(const nn::NamedTensors& list) {
  std::vector<std::string> out;
  for (const auto& [name, t] : list) out.push_back(name);
  return out;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double std_of(const std::vector<double>& v) {
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

// A model with nested names: features.{0,1,2}, head.
class Net : public nn::Module {
 public:
  Net() : Module("Net") {
    features = register_module(
        "features", nn::sequential({nn::make<nn::Linear>(4, 8), nn::make<nn::BatchNorm1d>(8), nn::make<nn::ReLU>()}));
    head = register_module("head", nn::make<nn::Linear>(8, 3, false));
  }
  Tensor forward(const Tensor& x) override { return head->forward(features->forward(x)); }
  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::Linear> head;
};

}  // namespace

// ---- Module: naming, state dicts ----

TEST(Module, NamesAreDottedPaths) {
  Net net;
  EXPECT_EQ(names(net.named_parameters()),
            (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
                                      "head.weight"}));
  EXPECT_EQ(names(net.named_buffers()), (std::vector<std::string>{"features.1.running_mean",
                                                                  "features.1.running_var",
                                                                  "features.1.num_batches_tracked"}));
  auto state = net.state_dict();
  EXPECT_EQ(state.size(), 8u);
  EXPECT_EQ(state.at("head.weight").shape(), (Shape{3, 8}));
  EXPECT_EQ(state.at("features.1.num_batches_tracked").dtype(), DType::i64);
  EXPECT_FALSE(state.at("head.weight").requires_grad());  // detached handles
  EXPECT_EQ(state.at("head.weight").storage_id(), net.head->weight.storage_id());
  EXPECT_EQ(net.num_parameters(), 4 * 8 + 8 + 8 + 8 + 8 * 3);
  for (const Tensor& p : net.parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(Module, TiedParametersAppearOnce) {
  auto a = nn::make<nn::Linear>(3, 3, false);
  auto b = nn::make<nn::Linear>(3, 3, false);
  nn::Sequential seq{a, b, a};
  EXPECT_EQ(names(seq.named_parameters()), (std::vector<std::string>{"0.weight", "1.weight"}));
  EXPECT_EQ(seq.num_parameters(), 18);
  EXPECT_EQ(seq.state_dict().size(), 3u);  // the state dict keeps every name, like PyTorch's
}

TEST(Module, LoadStateDictCopiesValuesIntoTheSameTensors) {
  Net a, b;
  const void* before = b.head->weight.storage_id();
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.head->weight.storage_id(), before);
  EXPECT_EQ(values(b.head->weight), values(a.head->weight));
  EXPECT_EQ(values(b.features->state_dict().at("0.bias")), values(a.features->state_dict().at("0.bias")));
  EXPECT_TRUE(b.head->weight.requires_grad());
}

TEST(Module, LoadStateDictErrorsNameTheKeys) {
  auto small = nn::make<nn::Sequential>();
  small->push_back(nn::make<nn::Linear>(784, 128));
  auto big = nn::make<nn::Sequential>();
  big->push_back(nn::make<nn::Linear>(784, 256));
  Tensor before = big->state_dict().at("0.weight").clone();
  EXPECT_TRUE(Contains(error_of([&] { big->load_state_dict(small->state_dict()); }),
                       "[load_state_dict] 0.weight has shape (128,784) in the checkpoint but (256,784) in the model"));
  EXPECT_EQ(values(big->state_dict().at("0.weight")), values(before));  // nothing copied

  Net net;
  auto state = net.state_dict();
  state.erase("head.weight");
  state["extra.bias"] = zeros({3});
  std::string msg = error_of([&] { net.load_state_dict(state); });
  EXPECT_TRUE(Contains(msg, "missing keys: head.weight"));
  EXPECT_TRUE(Contains(msg, "unexpected keys: extra.bias"));
  EXPECT_TRUE(Contains(msg, "strict=false"));

  nn::LoadResult r = net.load_state_dict(state, false);
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{"head.weight"});
  EXPECT_EQ(r.unexpected_keys, std::vector<std::string>{"extra.bias"});
}

TEST(Module, RegistrationRejectsBadNames) {
  struct Bad : nn::Module {
    Bad() : Module("Bad") {}
    Tensor forward(const Tensor& x) override { return x; }
    void add(const std::string& name) { register_parameter(name, zeros({1})); }
  } bad;
  bad.add("w");
  EXPECT_TRUE(Contains(error_of([&] { bad.add("w"); }), "already has"));
  EXPECT_TRUE(Contains(error_of([&] { bad.add("a.b"); }), "contain no '.'"));
}

TEST(Module, StrDescribesTheTree) {
  nn::Sequential seq{nn::make<nn::Linear>(784, 10), nn::make<nn::ReLU>(),
                     nn::make<nn::Conv2d>(3, 16, 3, nn::Conv2dArgs{.padding = 1})};
  EXPECT_EQ(seq.str(),
            "Sequential(\n"
            "  (0): Linear(in_features=784, out_features=10, bias=true)\n"
            "  (1): ReLU()\n"
            "  (2): Conv2d(3, 16, kernel_size=3, padding=1)\n"
            ")");
}

// ---- Modes ----

TEST(Module, TrainAndEvalReachEveryDescendant) {
  Net net;
  EXPECT_TRUE(net.features->is_training());
  net.eval();
  EXPECT_FALSE((*net.features)[1]->is_training());
  net.train();
  EXPECT_TRUE((*net.features)[1]->is_training());
}

TEST(Dropout, ActiveInTrainingIdentityInEval) {
  manual_seed(7);
  nn::Dropout drop(0.5);
  Tensor x = ones({4000});
  std::vector<double> y = values(drop(x));
  int zeros_seen = 0;
  for (double v : y) {
    EXPECT_TRUE(v == 0.0 || v == 2.0) << v;
    zeros_seen += v == 0.0;
  }
  EXPECT_NEAR(zeros_seen / 4000.0, 0.5, 0.05);
  drop.eval();
  EXPECT_EQ(values(drop(x)), values(x));
}

TEST(BatchNorm, TrainingUsesBatchStatisticsAndUpdatesRunningOnes) {
  nn::BatchNorm1d bn(2, {.momentum = 0.25});
  // Channel 0: 1, 2, 3, 6 (mean 3, biased var 3.5, unbiased 14/3); channel 1: all 5.
  Tensor x = from_vector(std::vector<double>{1, 5, 2, 5, 3, 5, 6, 5}, {4, 2}).to(DType::f32);
  std::vector<double> y = values(bn(x));
  const double eps = 1e-5;
  for (int i = 0; i < 4; ++i) {
    double xi = std::vector<double>{1, 2, 3, 6}[static_cast<size_t>(i)];
    EXPECT_NEAR(y[static_cast<size_t>(2 * i)], (xi - 3) / std::sqrt(3.5 + eps), 1e-5);
    EXPECT_NEAR(y[static_cast<size_t>(2 * i + 1)], 0.0, 1e-5);
  }
  std::vector<double> rm = values(bn.running_mean), rv = values(bn.running_var);
  EXPECT_NEAR(rm[0], 0.25 * 3, 1e-6);
  EXPECT_NEAR(rm[1], 0.25 * 5, 1e-6);
  EXPECT_NEAR(rv[0], 0.75 + 0.25 * 14.0 / 3.0, 1e-6);
  EXPECT_NEAR(rv[1], 0.75, 1e-6);
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0);

  bn.eval();  // running statistics now, and they stay put
  std::vector<double> z = values(bn(x));
  EXPECT_NEAR(z[0], (1 - rm[0]) / std::sqrt(rv[0] + eps), 1e-5);
  EXPECT_NEAR(z[1], (5 - rm[1]) / std::sqrt(rv[1] + eps), 1e-5);
  EXPECT_EQ(values(bn.running_mean), rm);
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0);
}

TEST(BatchNorm, NoMomentumKeepsACumulativeAverage) {
  nn::BatchNorm2d bn(2, {.momentum = std::nullopt});
  EXPECT_NE(bn.extra_repr().find("momentum=none"), std::string::npos) << bn.extra_repr();
  Generator gen(5);
  std::vector<double> means[2], vars[2];
  for (int step = 0; step < 3; ++step) {
    Tensor x = randn({3, 2, 4, 5}, DType::f64, &gen) * (1.0 + step) + static_cast<double>(step);
    Tensor y = bn(x);
    EXPECT_EQ(y.shape(), x.shape());
    std::vector<double> m = values(mean(x, {0, 2, 3})), v = values(var(x, {0, 2, 3}));
    for (int c = 0; c < 2; ++c) {
      means[c].push_back(m[static_cast<size_t>(c)]);
      vars[c].push_back(v[static_cast<size_t>(c)]);
    }
  }
  // The running statistics are the plain averages of the three batches' (unbiased) ones.
  std::vector<double> rm = values(bn.running_mean), rv = values(bn.running_var);
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(rm[static_cast<size_t>(c)], (means[c][0] + means[c][1] + means[c][2]) / 3, 1e-6);
    EXPECT_NEAR(rv[static_cast<size_t>(c)], (vars[c][0] + vars[c][1] + vars[c][2]) / 3, 1e-6);
  }
  EXPECT_EQ(bn.num_batches_tracked.item(), 3.0);
}

TEST(BatchNorm, TwoDAndThreeDInputs) {
  nn::BatchNorm2d bn2(3);
  EXPECT_EQ(bn2(randn({2, 3, 4, 5})).shape(), (Shape{2, 3, 4, 5}));
  nn::BatchNorm1d bn1(3, {.affine = false});
  EXPECT_EQ(bn1(randn({2, 3, 7})).shape(), (Shape{2, 3, 7}));
  EXPECT_TRUE(bn1.parameters().empty());
  EXPECT_TRUE(Contains(error_of([&] { bn2(randn({2, 4, 4, 5})); }),
                       "[BatchNorm2d] expects inputs of shape (N, 3, H, W), got (2,4,4,5)"));
  nn::BatchNorm1d untracked(3, {.track_running_stats = false});
  EXPECT_TRUE(untracked.buffers().empty());
  untracked.eval();
  std::vector<double> y = values(untracked(from_vector(std::vector<float>{1, 2, 3, 3, 2, 1}, {2, 3})));
  EXPECT_NEAR(y[0], -1.0, 1e-4);  // batch statistics even in eval
}

// ---- Moving between devices and dtypes ----

TEST(Module, ToDtypeKeepsHandlesAndOptimizersValid) {
  auto fc = nn::make<nn::Linear>(3, 2);
  std::vector<Tensor> before = fc->parameters();
  optim::SGD opt(before, {.lr = 0.5, .momentum = 0.9});  // made before the move
  fc->weight.set_grad(ones({2, 3}));
  opt.step();  // momentum buffers now exist in f32
  fc->to(DType::f64);
  EXPECT_EQ(fc->weight.dtype(), DType::f64);
  EXPECT_EQ(before[0].impl(), fc->weight.impl());
  EXPECT_EQ(before[0].dtype(), DType::f64);
  EXPECT_TRUE(fc->weight.requires_grad());
  EXPECT_EQ(fc->weight.grad().dtype(), DType::f64);  // the gradient moved along

  std::vector<double> w = values(fc->weight);
  opt.zero_grad();
  sum(fc->forward(ones({1, 3}, DType::f64))).backward();
  opt.step();  // buffer (follows to f64) = 0.9 * 1 + 1
  std::vector<double> after = values(fc->weight);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(after[i], w[i] - 0.5 * 1.9, 1e-6);
  EXPECT_EQ(opt.state_dict().at("momentum_buffer.0").dtype(), DType::f64);
}

TEST(Module, ToDeviceMovesInPlace) {
  Device dev;
  try {
    dev = Device("sample:0");
  } catch (const Error&) {
    GTEST_SKIP() << "the sample plugin is not present";
  }
  auto net = nn::make<nn::Sequential>();
  net->push_back(nn::make<nn::Linear>(3, 2));
  net->push_back(nn::make<nn::Linear>(2, 2, false));
  auto fc = std::static_pointer_cast<nn::Linear>((*net)[0]);
  std::vector<double> w = values(fc->weight);
  optim::SGD before(net->parameters(), {.lr = 0.1});
  net->to(dev);
  optim::SGD after(net->parameters(), {.lr = 0.1});
  for (const auto& [name, t] : net->state_dict()) EXPECT_EQ(t.device(), dev) << name;
  EXPECT_EQ(fc->weight.device(), dev);
  EXPECT_EQ(values(fc->weight), w);

  // Both optimizers update the moved tensors (the sample device runs the SGD ops).
  fc->weight.set_grad(ones({2, 3}, TensorOptions(DType::f32).with_device(dev)));
  before.step();
  after.step();
  std::vector<double> now = values(fc->weight);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(now[i], w[i] - 0.2, 1e-6);
  net->to(Device("cpu"));
  EXPECT_TRUE(fc->weight.device().is_cpu());
  EXPECT_EQ(values(fc->weight), now);
}

// ---- Initializers ----

TEST(Init, LinearDefaultsAreUniformInOneOverSqrtFanIn) {
  Generator gen(123);
  nn::Linear fc(1000, 400, true, {}, &gen);
  double bound = 1.0 / std::sqrt(1000.0);
  std::vector<double> w = values(fc.weight), b = values(fc.bias);
  for (double v : w) ASSERT_LE(std::abs(v), bound);
  for (double v : b) ASSERT_LE(std::abs(v), bound);
  // U(-c, c): mean 0 (std error c/sqrt(3n)), std c/sqrt(3).
  EXPECT_NEAR(mean_of(w), 0.0, 5 * bound / std::sqrt(3.0 * 400000));
  EXPECT_NEAR(std_of(w), bound / std::sqrt(3.0), 0.01 * bound);
  EXPECT_NEAR(std_of(b), bound / std::sqrt(3.0), 0.15 * bound);
}

TEST(Init, ConvFanInCountsTheKernel) {
  Generator gen(5);
  nn::Conv2d conv(8, 32, {3, 5}, {.groups = 2}, {}, &gen);
  EXPECT_EQ(conv.weight.shape(), (Shape{32, 4, 3, 5}));
  double bound = 1.0 / std::sqrt(4.0 * 15.0);
  std::vector<double> w = values(conv.weight);
  double biggest = 0;
  for (double v : w) biggest = std::max(biggest, std::abs(v));
  EXPECT_LE(biggest, bound);
  EXPECT_GT(biggest, 0.95 * bound);
  EXPECT_EQ(conv(randn({2, 8, 9, 9})).shape(), (Shape{2, 32, 7, 5}));
}

TEST(Init, KaimingXavierAndEmbeddingStatistics) {
  Generator gen(9);
  Tensor w = empty({500, 800});
  nn::init::kaiming_normal_(w, 0.0, nn::init::FanMode::fan_in, nn::init::Nonlinearity::relu, &gen);
  EXPECT_NEAR(std_of(values(w)), std::sqrt(2.0 / 800.0), 0.01 * std::sqrt(2.0 / 800.0));
  nn::init::kaiming_normal_(w, 0.0, nn::init::FanMode::fan_out, nn::init::Nonlinearity::relu, &gen);
  EXPECT_NEAR(std_of(values(w)), std::sqrt(2.0 / 500.0), 0.01 * std::sqrt(2.0 / 500.0));
  nn::init::xavier_uniform_(w, 1.0, &gen);
  double b = std::sqrt(6.0 / 1300.0);
  EXPECT_NEAR(std_of(values(w)), b / std::sqrt(3.0), 0.01 * b);
  nn::init::xavier_normal_(w, 2.0, &gen);
  EXPECT_NEAR(std_of(values(w)), 2.0 * std::sqrt(2.0 / 1300.0), 0.02 * std::sqrt(2.0 / 1300.0));
  nn::Embedding emb(1000, 300, {}, &gen);
  std::vector<double> e = values(emb.weight);
  EXPECT_NEAR(mean_of(e), 0.0, 0.01);
  EXPECT_NEAR(std_of(e), 1.0, 0.01);
  EXPECT_NEAR(nn::init::calculate_gain(nn::init::Nonlinearity::leaky_relu, std::sqrt(5.0)), std::sqrt(1.0 / 3.0),
              1e-15);
  EXPECT_TRUE(Contains(error_of([&] {
                         Tensor v = zeros({4});
                         nn::init::xavier_uniform_(v);
                       }),
                       "at least 2 dims"));
}

TEST(Init, ASeedGivesTheSameModel) {
  Generator g1(42), g2(42), g3(43);
  nn::Linear a(5, 4, true, {}, &g1), b(5, 4, true, {}, &g2), c(5, 4, true, {}, &g3);
  EXPECT_EQ(values(a.weight), values(b.weight));
  EXPECT_EQ(values(a.bias), values(b.bias));
  EXPECT_NE(values(a.weight), values(c.weight));
  nn::Linear d(5, 4, true, DType::f64, &g3);  // another dtype draws the same numbers
  Generator g4(42);
  nn::Linear e(5, 4, true, DType::f64, &g4);
  std::vector<double> ea = values(a.weight), ee = values(e.weight);
  for (size_t i = 0; i < ea.size(); ++i) EXPECT_NEAR(ea[i], ee[i], 1e-7);
}

// ---- Layers ----

TEST(Linear, ComputesXWTransposedPlusB) {
  nn::Linear fc(2, 3, true, DType::f64);
  {
    NoGradGuard g;
    fc.weight.copy_(from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2}));
    fc.bias.copy_(from_vector(std::vector<double>{0.5, -0.5, 1}));
  }
  Tensor x = from_vector(std::vector<double>{1, -1, 2, 0.5}, {2, 2}, DType::f64);
  EXPECT_EQ(values(fc(x)), (std::vector<double>{-0.5, -1.5, 0, 3.5, 7.5, 14}));
  EXPECT_EQ(fc(randn({4, 5, 2}, DType::f64)).shape(), (Shape{4, 5, 3}));
  EXPECT_TRUE(Contains(error_of([&] { fc(ones({2, 3}, DType::f64)); }),
                       "[Linear] expects inputs of shape (..., 2), got (2,3)"));
}

TEST(Layers, ShapesThroughAConvNet) {
  nn::Sequential net{nn::make<nn::Conv2d>(1, 4, 3, nn::Conv2dArgs{.padding = 1}),
                     nn::make<nn::BatchNorm2d>(4),
                     nn::make<nn::GELU>(),
                     nn::make<nn::MaxPool2d>(2),
                     nn::make<nn::Residual>(nn::make<nn::Conv2d>(4, 4, 3, nn::Conv2dArgs{.padding = 1})),
                     nn::make<nn::AvgPool2d>(2, 1),
                     nn::make<nn::AdaptiveAvgPool2d>(2),
                     nn::make<nn::Flatten>(),
                     nn::make<nn::Dropout>(0.1),
                     nn::make<nn::Linear>(16, 10)};
  Tensor y = net(randn({3, 1, 12, 12}));
  EXPECT_EQ(y.shape(), (Shape{3, 10}));
  sum(y).backward();
  for (const auto& [name, p] : net.named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
}

TEST(Layers, ActivationsAndEmbeddingAndLayerNorm) {
  Tensor x = from_vector(std::vector<double>{-1, 0, 2}, {}, DType::f64);
  EXPECT_EQ(values(nn::ReLU()(x)), (std::vector<double>{0, 0, 2}));
  EXPECT_NEAR(values(nn::Tanh()(x))[2], std::tanh(2.0), 1e-12);
  EXPECT_NEAR(values(nn::SiLU()(x))[0], -1.0 / (1.0 + std::exp(1.0)), 1e-12);
  EXPECT_NEAR(values(nn::Sigmoid()(x))[2], 1.0 / (1.0 + std::exp(-2.0)), 1e-12);
  EXPECT_NEAR(values(nn::GELU()(x))[2], 2.0 * 0.5 * (1 + std::erf(2.0 / std::sqrt(2.0))), 1e-6);

  nn::Embedding emb(5, 2);
  Tensor idx = from_vector(std::vector<int64_t>{4, 0, 4}, {3});
  std::vector<double> rows = values(emb(idx)), table = values(emb.weight);
  EXPECT_EQ(rows[0], table[8]);
  EXPECT_EQ(rows[3], table[1]);
  EXPECT_EQ(emb(from_vector(std::vector<int64_t>{1, 2, 3, 4}, {2, 2})).shape(), (Shape{2, 2, 2}));

  nn::LayerNorm ln({4}, 0.0, true, true, DType::f64);
  std::vector<double> y = values(ln(from_vector(std::vector<double>{1, 2, 3, 6}, {1, 4}, DType::f64)));
  double sd = std::sqrt(3.5);  // mean 3, biased var 3.5
  EXPECT_NEAR(y[0], -2 / sd, 1e-12);
  EXPECT_NEAR(y[3], 3 / sd, 1e-12);
  EXPECT_TRUE(Contains(error_of([&] { ln(ones({2, 3})); }), "[LayerNorm] expects inputs ending in (4), got (2,3)"));
}

TEST(Layers, EmbeddingPaddingRowStartsAtZeroAndIsNeverTrained) {
  Generator gen(3);
  nn::EmbeddingArgs args;
  args.padding_idx = -1;  // the last row
  nn::Embedding emb(4, 3, args, DType::f64, &gen);
  ASSERT_TRUE(emb.padding_idx.has_value());
  EXPECT_EQ(*emb.padding_idx, 3);
  EXPECT_EQ(emb.extra_repr(), "4, 3, padding_idx=3");
  std::vector<double> table = values(emb.weight);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(table[9 + c], 0.0);
  EXPECT_NE(table[0], 0.0);

  // The padding row is returned like any row (here set by hand), but gets no gradient;
  // the other rows get the sum of their outputs' gradients.
  {
    NoGradGuard no_grad;
    emb.weight.select(0, 3).fill_(0.5);
  }
  Tensor idx = from_vector(std::vector<int64_t>{3, 1, 3, 1, 0}, {5});
  Tensor y = emb(idx);
  std::vector<double> rows = values(y);
  EXPECT_EQ(rows[0], 0.5);
  EXPECT_EQ(rows[3], table[3]);
  Tensor g = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {5, 3}, DType::f64);
  y.backward(g);
  std::vector<double> grad = values(emb.weight.grad());
  EXPECT_EQ(grad, (std::vector<double>{13, 14, 15, 4 + 10, 5 + 11, 6 + 12, 0, 0, 0, 0, 0, 0}));

  // The functional form, and bad indices.
  EXPECT_TRUE(Contains(error_of([] { nn::EmbeddingArgs a; a.padding_idx = 4; nn::Embedding(4, 3, a); }),
                       "[Embedding] padding_idx 4 is out of range for 4 embeddings (use -4 to 3)"));
  EXPECT_TRUE(Contains(error_of([&] { embedding(emb.weight, idx, -5); }),
                       "[embedding] padding_idx -5 is out of range for 4 embeddings"));
}

// Values from PyTorch 1.13 (torch.nn.functional, ceil_mode=True) on 1..35 as (1, 1, 5, 7).
TEST(Layers, PoolingCeilModeMatchesPyTorch) {
  Tensor x = arange(1, 36, 1, DType::f64).reshape({1, 1, 5, 7});
  auto near = [](const std::vector<double>& got, const std::vector<double>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  };
  nn::MaxPool2d max2(2, 0, 0, 1, true);
  EXPECT_EQ(max2(x).shape(), (Shape{1, 1, 3, 4}));
  near(values(max2(x)), {9, 11, 13, 14, 23, 25, 27, 28, 30, 32, 34, 35});
  EXPECT_EQ(max2.extra_repr(), "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=true");
  near(values(nn::AvgPool2d(2, 0, 0, true, true)(x)), {5, 7, 9, 10.5, 19, 21, 23, 24.5, 29.5, 31.5, 33.5, 35});
  near(values(nn::AvgPool2d(3, 2, 1, true, true)(x)),
       {2.2222222, 4.3333333, 5.6666667, 4.4444444, 10.333333, 17, 19, 13.666667, 11.555556, 18.333333, 19.666667,
        13.777778});
  near(values(nn::AvgPool2d(3, 2, 1, false, true)(x)), {5, 6.5, 8.5, 10, 15.5, 17, 19, 20.5, 26, 27.5, 29.5, 31});
  // A window that would start in the right padding is dropped: 10 x 8 -> 6 x 5, not 6 x 6.
  EXPECT_EQ(nn::MaxPool2d(3, 2, 1, 1, true)(zeros({1, 1, 10, 8})).shape(), (Shape{1, 1, 6, 5}));
}

// ---- Losses ----

TEST(Loss, MseL1AndBceAreHandComputed) {
  Tensor x = from_vector(std::vector<double>{1, -2, 0.5}, {}, DType::f64);
  Tensor y = from_vector(std::vector<double>{0, 1, 1}, {}, DType::f64);
  EXPECT_NEAR(nn::MSELoss()(x, y).item(), (1 + 9 + 0.25) / 3, 1e-15);
  EXPECT_NEAR(nn::MSELoss(nn::Reduction::sum)(x, y).item(), 10.25, 1e-15);
  EXPECT_NEAR(nn::L1Loss()(x, y).item(), (1 + 3 + 0.5) / 3, 1e-15);
  EXPECT_TRUE(Contains(error_of([&] { nn::mse_loss(ones({4, 1}), ones({4})); }), "differ in shape"));

  // -[y log s(x) + (1-y) log(1-s(x))] in double.
  auto bce = [](double xi, double yi) {
    double s = 1 / (1 + std::exp(-xi));
    return -(yi * std::log(s) + (1 - yi) * std::log(1 - s));
  };
  std::vector<double> per = values(nn::BCEWithLogitsLoss(nn::Reduction::none)(x, y));
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(per[i], bce(values(x)[i], values(y)[i]), 1e-12);
  // Stable at large logits (the naive form gives inf or nan).
  Tensor big = from_vector(std::vector<float>{100, -100});
  std::vector<double> far = values(nn::binary_cross_entropy_with_logits(big, from_vector(std::vector<float>{0, 0}),
                                                                        nn::Reduction::none));
  EXPECT_NEAR(far[0], 100.0, 1e-4);
  EXPECT_NEAR(far[1], 0.0, 1e-6);
  // pos_weight 3 triples the positive term.
  Tensor pw = from_vector(std::vector<double>{3}, {}, DType::f64);
  std::vector<double> wpos = values(nn::BCEWithLogitsLoss(nn::Reduction::none, pw)(x, y));
  EXPECT_NEAR(wpos[1], 3 * bce(-2, 1), 1e-12);
  EXPECT_NEAR(wpos[0], bce(1, 0), 1e-12);
}

TEST(Loss, CrossEntropyAndNllAreHandComputed) {
  std::vector<double> logits{1, 2, 0.5, -1, 0, 3};  // (2, 3)
  std::vector<int64_t> target{1, 2};
  auto log_softmax_row = [&](size_t r, size_t c) {
    double m = 0;
    for (size_t k = 0; k < 3; ++k) m += std::exp(logits[r * 3 + k]);
    return logits[r * 3 + c] - std::log(m);
  };
  double nll0 = -log_softmax_row(0, 1), nll1 = -log_softmax_row(1, 2);
  double smooth0 = 0, smooth1 = 0;
  for (size_t c = 0; c < 3; ++c) {
    smooth0 -= log_softmax_row(0, c) / 3;
    smooth1 -= log_softmax_row(1, c) / 3;
  }
  Tensor x = from_vector(logits, {2, 3}, DType::f64);
  Tensor t = from_vector(target, {2});

  EXPECT_NEAR(nn::CrossEntropyLoss()(x, t).item(), (nll0 + nll1) / 2, 1e-12);
  EXPECT_NEAR(nn::CrossEntropyLoss(0, -100, nn::Reduction::sum)(x, t).item(), nll0 + nll1, 1e-12);
  double ls = 0.2;
  double l0 = (1 - ls) * nll0 + ls * smooth0, l1 = (1 - ls) * nll1 + ls * smooth1;
  EXPECT_NEAR(nn::CrossEntropyLoss(ls)(x, t).item(), (l0 + l1) / 2, 1e-12);
  std::vector<double> none = values(nn::CrossEntropyLoss(ls, -100, nn::Reduction::none)(x, t));
  EXPECT_NEAR(none[0], l0, 1e-12);
  EXPECT_NEAR(none[1], l1, 1e-12);

  // ignore_index: the ignored row adds nothing and does not count.
  Tensor t_ign = from_vector(std::vector<int64_t>{-100, 2}, {2});
  EXPECT_NEAR(nn::CrossEntropyLoss()(x, t_ign).item(), nll1, 1e-12);
  EXPECT_EQ(values(nn::CrossEntropyLoss(0, -100, nn::Reduction::none)(x, t_ign))[0], 0.0);
  Tensor log_probs = log_softmax(x, 1);
  EXPECT_NEAR(nn::NLLLoss()(log_probs, t).item(), (nll0 + nll1) / 2, 1e-12);
  EXPECT_NEAR(nn::NLLLoss()(log_probs, t_ign).item(), nll1, 1e-12);
  EXPECT_NEAR(nn::NLLLoss(-100, nn::Reduction::sum)(log_probs, t).item(), nll0 + nll1, 1e-12);

  // Spatial inputs (N, C, L): the class axis moves last.
  Tensor x3 = x.reshape({1, 2, 3}).transpose(1, 2).contiguous();  // (1, 3, 2): class axis 1
  Tensor t3 = from_vector(target, {1, 2});
  EXPECT_NEAR(nn::CrossEntropyLoss()(x3, t3).item(), (nll0 + nll1) / 2, 1e-12);
  EXPECT_TRUE(Contains(error_of([&] { nn::CrossEntropyLoss()(x, from_vector(std::vector<int64_t>{1}, {1})); }),
                       "need targets of shape (2)"));
}

TEST(Loss, CrossEntropyGradientIsSoftmaxMinusOneHot) {
  Tensor x = from_vector(std::vector<double>{1, 2, 0.5}, {1, 3}, DType::f64).requires_grad_();
  nn::CrossEntropyLoss(0, -100, nn::Reduction::sum)(x, from_vector(std::vector<int64_t>{0}, {1})).backward();
  std::vector<double> g = values(x.grad());
  double z = std::exp(1) + std::exp(2) + std::exp(0.5);
  EXPECT_NEAR(g[0], std::exp(1) / z - 1, 1e-12);
  EXPECT_NEAR(g[1], std::exp(2) / z, 1e-12);
}

// ---- End to end ----

namespace {

// Two Gaussian blobs per class around fixed centres in 8 dims, 3 classes; fixed seed.
struct Toy {
  Tensor x, y;
  Toy() {
    Generator gen(2024);
    const int64_t n = 240, d = 8;
    Tensor centres = randn({3, d}, {}, &gen, 0.0, 2.0);
    std::vector<int64_t> lab(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) lab[static_cast<size_t>(i)] = i % 3;
    y = from_vector(lab, {n});
    x = index_select(centres, 0, y) + randn({n, d}, {}, &gen, 0.0, 0.5);
  }
};

double train(optim::Optimizer& opt, nn::Module& model, const Toy& data, int steps, double* first) {
  nn::CrossEntropyLoss loss_fn;
  double last = 0;
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    Tensor loss = loss_fn(model(data.x), data.y);
    loss.backward();
    opt.step();
    if (i == 0) *first = loss.item();
    last = loss.item();
  }
  return last;
}

std::shared_ptr<nn::Sequential> mlp(Generator& gen) {
  return nn::sequential({nn::make<nn::Linear>(8, 32, true, TensorOptions(), &gen), nn::make<nn::ReLU>(),
                         nn::make<nn::Linear>(32, 3, true, TensorOptions(), &gen)});
}

}  // namespace

TEST(EndToEnd, MlpLearnsWithSgd) {
  Toy data;
  Generator gen(1);
  auto model = mlp(gen);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  double first = 0, last = train(opt, *model, data, 200, &first);
  EXPECT_LT(last, first / 10) << "first " << first << " last " << last;
}

TEST(EndToEnd, MlpLearnsWithAdamAndASchedule) {
  Toy data;
  Generator gen(1);
  auto model = mlp(gen);
  optim::Adam opt(model->parameters(), {.lr = 0.01});
  optim::WarmupCosineLR sched(opt, 10, 200);
  nn::CrossEntropyLoss loss_fn;
  double first = 0, last = 0;
  for (int i = 0; i < 200; ++i) {
    opt.zero_grad();
    Tensor loss = loss_fn((*model)(data.x), data.y);
    loss.backward();
    optim::clip_grad_norm(model->parameters(), 5.0);
    opt.step();
    sched.step();
    if (i == 0) first = loss.item();
    last = loss.item();
  }
  EXPECT_LT(last, first / 10) << "first " << first << " last " << last;
  model->eval();
  Tensor pred = argmax((*model)(data.x), 1);
  EXPECT_EQ(sum(eq(pred, data.y)).item(), 240.0);
}
