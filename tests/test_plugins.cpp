// The "no core change" proof: devices from plugins built out of tree (tests/plugin_example)
// against include/silica/plugin.h alone. The sample plugin holds f32/f64 tensors in host
// memory and runs FILL, COPY, CAST, NEG, ADD and MUL; the broken plugins beside it must be
// reported with their reasons.
//
// main() points SILICA_PLUGIN_PATH at SILICA_SAMPLE_PLUGIN_DIR before anything touches the
// registry, which loads plugins once per process.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>

#include "conformance/conformance.h"
#include "silica/silica.h"
#include "test_support.h"

#ifndef SILICA_SAMPLE_PLUGIN_DIR
#error "SILICA_SAMPLE_PLUGIN_DIR must name the folder holding libsilica-sample.so"
#endif

using namespace silica;
using silica::testing::error_of;
using silica::testing::Contains;

namespace {

// Sets an environment variable for one scope, restoring the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

Device sample() { return Device("sample:0"); }

// Position of `spec` in devices() (best first), or -1.
int rank_of(const std::string& spec) {
  std::vector<Device> all = devices();
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].str() == spec) return static_cast<int>(i);
  return -1;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Deterministic values of both signs, mostly not representable in binary, so that sums and
// products exercise rounding (and f32 vs f64 differ).
std::vector<double> values(size_t n, double scale) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = scale * (0.37 * static_cast<double>(i) - 1.9 + 0.013 * double(i * i % 7));
  return v;
}

TensorOptions on(const Device& d, DType dtype = DType::f32) { return TensorOptions(dtype).with_device(d); }

}  // namespace

// ---- Discovery and ranking ----

TEST(Plugins, SampleDeviceIsListedWithItsInfo) {
  Device d = sample();
  EXPECT_EQ(d.str(), "sample:0");
  EXPECT_EQ(d.plugin(), "sample");
  EXPECT_EQ(d.name(), "Sample host-memory device");
  EXPECT_EQ(d.kind(), DeviceKind::other);
  EXPECT_EQ(d.memory_bytes(), uint64_t{2} << 30);
  EXPECT_TRUE(d.supports_dtype(DType::f32));
  EXPECT_TRUE(d.supports_dtype(DType::f64));
  EXPECT_FALSE(d.supports_dtype(DType::i64));
  EXPECT_FALSE(d.is_cpu());
  EXPECT_GE(rank_of("sample:0"), 0);

  bool loaded = false;
  for (const PluginInfo& p : plugins())
    if (p.name == "sample") {
      loaded = true;
      EXPECT_TRUE(Contains(p.path, "libsilica-sample.so"));
    }
  EXPECT_TRUE(loaded);
}

TEST(Plugins, PluginDevicesRankAfterTheBuiltInCpu) {
  // A GPU plugin (if one sits beside the core library) may rank first; the sample's
  // OTHER device and the CPU-kind "samplecpu" (as lavapipe reports itself) never do.
  int cpu = rank_of("cpu");
  ASSERT_GE(cpu, 0);
  EXPECT_GT(rank_of("sample:0"), cpu);
  ASSERT_GE(rank_of("samplecpu:0"), 0);
  EXPECT_EQ(Device("samplecpu:0").kind(), DeviceKind::cpu);
  EXPECT_GT(rank_of("samplecpu:0"), cpu);
  // Among plugin devices a CPU kind still beats OTHER.
  EXPECT_LT(rank_of("samplecpu:0"), rank_of("sample:0"));
  ScopedEnv no_choice("SILICA_DEVICE", nullptr);
  Device best = best_device();
  EXPECT_NE(best.plugin(), "sample");
  EXPECT_NE(best.plugin(), "samplecpu");
}

TEST(Plugins, SilicaDeviceSelectsTheBestDevice) {
  {
    ScopedEnv env("SILICA_DEVICE", "sample");
    EXPECT_EQ(best_device(), sample());
  }
  {
    ScopedEnv env("SILICA_DEVICE", "samplecpu:0");
    EXPECT_EQ(best_device().str(), "samplecpu:0");
  }
  {
    ScopedEnv env("SILICA_DEVICE", "cpu");
    EXPECT_TRUE(best_device().is_cpu());
  }
  {
    ScopedEnv env("SILICA_DEVICE", "sample:1");
    EXPECT_THROW(best_device(), Error);
  }
}

TEST(Plugins, UnknownDeviceListsTheAvailableOnes) {
  std::string msg = error_of([] { Device("nonexistent:3"); });
  EXPECT_TRUE(Contains(msg, "[device]"));
  EXPECT_TRUE(Contains(msg, "nonexistent:3"));
  EXPECT_TRUE(Contains(msg, "available: cpu"));
  EXPECT_TRUE(Contains(msg, "sample:0"));
  EXPECT_TRUE(Contains(msg, "silica devices"));
  EXPECT_TRUE(Contains(error_of([] { Device("sample:x"); }), "expected NAME or NAME:INDEX"));
}

TEST(Plugins, BrokenPluginsAreReportedWithReasons) {
  auto reason = [](const std::string& file) -> std::string {
    for (const PluginFailure& f : plugin_failures())
      if (f.path.size() >= file.size() && f.path.compare(f.path.size() - file.size(), file.size(), file) == 0)
        return f.reason;
    return "(not reported)";
  };
  // The core refuses a table built for another ABI major.
  EXPECT_TRUE(Contains(reason("/libsilica-badabi.so"), "built for ABI 2.0"));
  EXPECT_TRUE(Contains(reason("/libsilica-badabi.so"), "speaks ABI 1."));
  // The plugin refuses the core's ABI and says why.
  EXPECT_TRUE(Contains(reason("/libsilica-abirefuse.so"), "refused to load"));
  EXPECT_TRUE(Contains(reason("/libsilica-abirefuse.so"), "needs plugin ABI 2"));
  EXPECT_TRUE(Contains(reason("/libsilica-noentry.so"), "missing entry point silica_plugin_init"));
  EXPECT_TRUE(Contains(reason("/libsilica-norun.so"), "lacks the required member 'run'"));
  for (const PluginFailure& f : plugin_failures()) EXPECT_FALSE(Contains(f.path, "sample"));
  for (const PluginInfo& p : plugins()) EXPECT_NE(p.name, "broken");
}

TEST(Plugins, AFolderNamedTwiceIsScannedOnce) {
  // main() put the plugin folder into SILICA_PLUGIN_PATH twice ("DIR:DIR/.").
  int badabi = 0;
  for (const PluginFailure& f : plugin_failures()) {
    EXPECT_FALSE(Contains(f.reason, "already loaded")) << f.path;
    badabi += Contains(f.path, "libsilica-badabi.so") ? 1 : 0;
  }
  EXPECT_EQ(badabi, 1);
  std::vector<PluginInfo> loaded = plugins();
  EXPECT_EQ(
      std::count_if(loaded.begin(), loaded.end(), [](const PluginInfo& p) { return p.name == "sample"; }), 1);
}

// ---- Memory ----

TEST(Plugins, TensorsMoveToTheDeviceAndBack) {
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor host = from_vector(values(12, 1.0), {3, 4}, TensorOptions(dtype));
    Tensor dev = host.to(sample());
    EXPECT_EQ(dev.device(), sample());
    EXPECT_EQ(dev.dtype(), dtype);
    EXPECT_EQ(dev.to(Device()).to_vector<double>(), host.to_vector<double>());
    // A non-contiguous view is gathered on the device (COPY with strides) before leaving it.
    Tensor t = dev.transpose(0, 1);
    EXPECT_EQ(t.to(Device()).to_vector<double>(), host.transpose(0, 1).contiguous().to_vector<double>());
    // CAST between f32 and f64 on the device.
    DType other = dtype == DType::f32 ? DType::f64 : DType::f32;
    EXPECT_EQ(dev.to(other).to_vector<double>(), host.to(other).to_vector<double>());
  }
  // In-place fill and copy_ into a strided view of a device tensor.
  Tensor z = zeros({2, 3}, on(sample()));
  z.select(1, 1).copy_(tensor({5.0, 7.0}));
  z.select(1, 2).fill_(-1.5);
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{0, 5, -1.5f, 0, 7, -1.5f}));
}

TEST(Plugins, DtypesTheDeviceCannotHoldAreRefused) {
  std::string msg = error_of([] { zeros({2}, on(sample(), DType::i64)); });
  EXPECT_TRUE(Contains(msg, "sample:0"));
  EXPECT_TRUE(Contains(msg, "cannot hold i64"));
}

TEST(Plugins, RunningOutOfDeviceMemoryIsAnOutOfMemoryError) {
  try {
    empty({int64_t{1} << 30}, on(sample()));  // 4 GiB of f32 on a 2 GiB device
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    EXPECT_TRUE(Contains(std::string(e.what()), "sample:0"));
    EXPECT_TRUE(Contains(std::string(e.what()), "requested 4294967296 bytes"));
  }
  EXPECT_NO_THROW(empty({1024}, on(sample())));  // the failed request left nothing in use
}

// ---- Ops ----

TEST(Plugins, ElementwiseOpsMatchTheCpu) {
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor a = from_vector(values(24, 1.0), {2, 3, 4}, TensorOptions(dtype));
    Tensor b = from_vector(values(24, -0.7), {2, 3, 4}, TensorOptions(dtype));
    Tensor row = from_vector(values(4, 2.3), {4}, TensorOptions(dtype));
    Tensor da = a.to(sample()), db = b.to(sample()), drow = row.to(sample());
    auto same = [](const Tensor& dev, const Tensor& cpu) {
      EXPECT_EQ(dev.device().str(), "sample:0");
      EXPECT_EQ(dev.shape(), cpu.shape());
      EXPECT_EQ(dev.to_vector<double>(), cpu.to_vector<double>());  // bit-exact: both round once
    };
    same(add(da, db), add(a, b));
    same(mul(da, db), mul(a, b));
    same(neg(da), neg(a));
    same(da + drow, a + row);  // broadcast: stride-0 input
    same(da.transpose(1, 2) * db.transpose(1, 2), a.transpose(1, 2) * b.transpose(1, 2));  // strided
    same(da.select(2, 1) + 2.5, a.select(2, 1) + 2.5);  // 0-d scalar operand
    same(-(da * da) + db, -(a * a) + b);
  }
  // f32 + f64 promotes in the core; the device sees one dtype (CAST, then ADD).
  Tensor x = from_vector(values(6, 1.0), {6}, TensorOptions(DType::f32));
  Tensor y = from_vector(values(6, 0.3), {6}, TensorOptions(DType::f64));
  Tensor r = add(x.to(sample()), y.to(sample()));
  EXPECT_EQ(r.dtype(), DType::f64);
  EXPECT_EQ(r.to_vector<double>(), add(x, y).to_vector<double>());
}

TEST(Plugins, BackwardRunsOnTheDevice) {
  Tensor a = from_vector(values(6, 1.0), {2, 3}, on(sample())).requires_grad_();
  Tensor b = from_vector(values(6, 0.5), {2, 3}, on(sample())).requires_grad_();
  Tensor y = a * b + a;  // dy/da = b + 1, dy/db = a
  y.backward(ones_like(y));
  ASSERT_TRUE(a.grad().defined());
  EXPECT_EQ(a.grad().device(), sample());
  EXPECT_EQ(b.grad().device(), sample());
  EXPECT_EQ(a.grad().to_vector<float>(), (b.detach() + 1.0).to_vector<float>());
  EXPECT_EQ(b.grad().to_vector<float>(), a.detach().to_vector<float>());
}

TEST(Plugins, BackwardCrossesDevices) {
  // A CPU parameter used on the device: its gradient comes back to the CPU through to().
  Tensor w = from_vector(values(4, 1.0), {4}).requires_grad_();
  Tensor c = from_vector(values(4, -2.0), {4}, on(sample()));
  Tensor y = w.to(sample()) * c;
  y.backward(ones_like(y));
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(w.grad().device().is_cpu());
  EXPECT_EQ(w.grad().to_vector<float>(), c.to_vector<float>());
}

TEST(Plugins, MissingOpNamesTheOpAndDevice) {
  ScopedEnv no_fallback("SILICA_CPU_FALLBACK", nullptr);
  Tensor a = from_vector(values(4, 1.0), {4}, on(sample()));
  std::string msg = error_of([&] { exp(a); });
  EXPECT_TRUE(Contains(msg, "[exp]"));
  EXPECT_TRUE(Contains(msg, "f32"));
  EXPECT_TRUE(Contains(msg, "sample:0 (Sample host-memory device)"));
  EXPECT_TRUE(Contains(msg, "SILICA_CPU_FALLBACK=1"));
  EXPECT_TRUE(Contains(error_of([&] { sum(a); }), "[sum]"));
}

TEST(Plugins, CpuFallbackRunsMissingOpsWithOneWarningEach) {
  ScopedEnv fallback("SILICA_CPU_FALLBACK", "1");
  Tensor host = from_vector(values(8, 0.25), {2, 4});
  Tensor a = host.to(sample());
  ::testing::internal::CaptureStderr();
  Tensor e1 = exp(a);
  Tensor e2 = exp(a + 1.0);
  Tensor s = mean(a, {1});
  Tensor t = tanh(a.transpose(0, 1));
  Tensor e3 = exp(t);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(e1.device(), sample());
  EXPECT_EQ(s.device(), sample());
  EXPECT_EQ(e1.to_vector<float>(), exp(host).to_vector<float>());
  EXPECT_EQ(e2.to_vector<float>(), exp(host + 1.0).to_vector<float>());
  EXPECT_EQ(s.to_vector<float>(), mean(host, {1}).to_vector<float>());
  EXPECT_EQ(e3.to_vector<float>(), exp(tanh(host.transpose(0, 1))).to_vector<float>());
  EXPECT_EQ(count(err, "warning"), 3) << err;  // exp, mean, tanh: one line each
  EXPECT_EQ(count(err, "exp (f32) is not implemented on sample:0"), 1) << err;
  EXPECT_EQ(count(err, "mean (f32)"), 1) << err;
  EXPECT_EQ(count(err, "tanh (f32)"), 1) << err;
}

// The conformance rows of the ops the sample implements, run on it as a plugin author would
// with `silica-conformance --device sample`. The gradient check sums on the device, which
// the sample lacks: the CPU fallback does that part (its warnings go to stderr).
TEST(Plugins, ConformanceRowsPassOnTheSampleDevice) {
  ScopedEnv fallback("SILICA_CPU_FALLBACK", "1");
  const auto& cases = conformance::all_cases();
  int checked = 0;
  for (const conformance::Case& c : cases) {
    bool ours = c.name.rfind("add/", 0) == 0 || c.name.rfind("mul/", 0) == 0 || c.name.rfind("neg/", 0) == 0;
    if (!ours) continue;
    // The runner filters by substring: skip a name that other rows contain ("index_add/...").
    auto contains = [&](const conformance::Case& o) {
      return &o != &c && o.name.find(c.name) != std::string::npos;
    };
    if (std::any_of(cases.begin(), cases.end(), contains)) continue;
    auto held =
        std::count_if(c.dtypes.begin(), c.dtypes.end(), [](DType d) { return sample().supports_dtype(d); });
    if (held == 0) continue;  // integer rows: the sample holds only f32/f64
    conformance::Options options;
    options.filter = c.name;
    conformance::Summary s = conformance::run(sample(), options);
    EXPECT_EQ(s.failed, 0) << c.name << ": " << (s.failures.empty() ? "" : s.failures.front());
    EXPECT_EQ(s.passed, held) << c.name;
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

int main(int argc, char** argv) {
  // The same folder twice, spelled two ways: it must still be scanned once.
  std::string path = std::string(SILICA_SAMPLE_PLUGIN_DIR) + ":" + SILICA_SAMPLE_PLUGIN_DIR + "/.";
  setenv("SILICA_PLUGIN_PATH", path.c_str(), 1);
  unsetenv("SILICA_DEVICE");
  unsetenv("SILICA_CPU_FALLBACK");
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
