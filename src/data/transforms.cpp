// Batch transforms, written as host loops over raw bytes so that the loader thread needs
// no ops (and so they work for every element type that crop and flip merely move).
#include "silica/data/transforms.h"

#include <algorithm>
#include <cstring>

#include "data/sample_random.h"
#include "io/host_tensor.h"
#include "silica/error.h"

namespace silica::data {

namespace {

using silica::detail::host_contiguous;
using silica::detail::host_data;
using silica::detail::host_empty;

/// Dataset index of batch row `row`, for keying random draws.
int64_t sample_key(const TransformContext& ctx, int64_t row, const char* function) {
  if (!ctx.indices || static_cast<int64_t>(ctx.indices->size()) <= row)
    throw Error(std::string("[") + function + "] the context lacks the dataset index of batch row " +
                std::to_string(row) + "; pass TransformContext::indices with one index per row");
  return (*ctx.indices)[static_cast<size_t>(row)];
}

/// A random stream private to (seed, transform, epoch, sample).
detail::SplitMix64 sample_stream(const TransformContext& ctx, int64_t row, const char* function) {
  return detail::SplitMix64(detail::hash_keys(ctx.seed, ctx.stream, static_cast<uint64_t>(ctx.epoch),
                                              static_cast<uint64_t>(sample_key(ctx, row, function))));
}

class ToFloat final : public Transform {
 public:
  explicit ToFloat(double scale) : scale_(scale) {}
  std::string name() const override { return "to_float"; }

  Tensor apply(const Tensor& batch, const TransformContext&) const override {
    Tensor x = host_contiguous(batch);
    Tensor out = host_empty(x.shape(), DType::f32);
    auto* dst = reinterpret_cast<float*>(host_data(out));
    const uint8_t* src = host_data(x);
    const int64_t n = x.numel();
    // In double, so that e.g. 51 / 255 rounds once, to the float nearest the quotient.
    auto put = [&](auto read) {
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(static_cast<double>(read(i)) * scale_);
    };
    switch (x.dtype()) {
      case DType::u8:
      case DType::boolean: put([&](int64_t i) { return src[i]; }); break;
      case DType::f32: put([&](int64_t i) { return reinterpret_cast<const float*>(src)[i]; }); break;
      case DType::f64: put([&](int64_t i) { return reinterpret_cast<const double*>(src)[i]; }); break;
      case DType::i32: put([&](int64_t i) { return reinterpret_cast<const int32_t*>(src)[i]; }); break;
      case DType::i64: put([&](int64_t i) { return reinterpret_cast<const int64_t*>(src)[i]; }); break;
      default: {
        // f16/bf16: let the cast op widen them (exactly), then scale here.
        Tensor f = host_contiguous(x.to(DType::f32));
        const auto* fs = reinterpret_cast<const float*>(host_data(f));
        put([&](int64_t i) { return fs[i]; });
      }
    }
    return out;
  }

 private:
  double scale_;
};

class Normalize final : public Transform {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
    if (mean_.empty() || mean_.size() != std_.size())
      throw Error("[normalize] needs as many means as standard deviations (and at least one), got " +
                  std::to_string(mean_.size()) + " and " + std::to_string(std_.size()));
    for (double s : std_)
      if (!(s > 0)) throw Error("[normalize] standard deviations must be > 0, got " + std::to_string(s));
  }
  std::string name() const override { return "normalize"; }

  Tensor apply(const Tensor& batch, const TransformContext&) const override {
    if (batch.dtype() != DType::f32 && batch.dtype() != DType::f64)
      throw Error(std::string("[normalize] needs an f32 or f64 batch, got ") + dtype_name(batch.dtype()) +
                  "; put data::to_float() before it");
    const int64_t channels = batch.dim() >= 2 ? batch.size(1) : 1;
    if (mean_.size() != 1 && static_cast<int64_t>(mean_.size()) != channels)
      throw Error("[normalize] has " + std::to_string(mean_.size()) + " means but the batch " +
                  shape_str(batch.shape()) + " has " + std::to_string(channels) + " channels on axis 1");
    Tensor x = host_contiguous(batch);
    Tensor out = host_empty(x.shape(), x.dtype());
    const int64_t n = x.numel();
    const int64_t inner = batch.dim() >= 2 && channels > 0 ? n / (batch.size(0) * channels) : 1;
    if (x.dtype() == DType::f32)
      run(reinterpret_cast<const float*>(host_data(x)), reinterpret_cast<float*>(host_data(out)), n, channels, inner);
    else
      run(reinterpret_cast<const double*>(host_data(x)), reinterpret_cast<double*>(host_data(out)), n, channels, inner);
    return out;
  }

 private:
  template <typename T>
  void run(const T* src, T* dst, int64_t n, int64_t channels, int64_t inner) const {
    for (int64_t i = 0; i < n; ++i) {
      size_t c = mean_.size() == 1 ? 0 : static_cast<size_t>((i / inner) % channels);
      dst[i] = static_cast<T>((static_cast<double>(src[i]) - mean_[c]) / std_[c]);
    }
  }

  std::vector<double> mean_, std_;
};

class RandomCrop final : public Transform {
 public:
  RandomCrop(int64_t height, int64_t width, int64_t padding) : h_(height), w_(width), pad_(padding) {
    if (height <= 0 || width <= 0 || padding < 0)
      throw Error("[random_crop] needs a positive size and padding >= 0, got " + std::to_string(height) + "x" +
                  std::to_string(width) + " with padding " + std::to_string(padding));
  }
  std::string name() const override { return "random_crop"; }

  Tensor apply(const Tensor& batch, const TransformContext& ctx) const override {
    if (batch.dim() < 3)
      throw Error("[random_crop] needs a batch (B, ..., H, W), got shape " + shape_str(batch.shape()));
    const int64_t H = batch.size(-2), W = batch.size(-1);
    if (h_ > H + 2 * pad_ || w_ > W + 2 * pad_)
      throw Error("[random_crop] cannot cut " + std::to_string(h_) + "x" + std::to_string(w_) + " from images " +
                  std::to_string(H) + "x" + std::to_string(W) + " padded by " + std::to_string(pad_));
    Tensor x = host_contiguous(batch);
    Shape shape = x.shape();
    shape[shape.size() - 2] = h_;
    shape[shape.size() - 1] = w_;
    Tensor out = host_empty(shape, x.dtype());
    const int64_t B = x.size(0);
    const auto es = static_cast<size_t>(dtype_size(x.dtype()));
    const uint8_t* src = host_data(x);
    uint8_t* dst = host_data(out);
    if (out.numel() == 0) return out;
    if (H * W == 0) {
      std::memset(dst, 0, static_cast<size_t>(out.numel()) * es);  // nothing but padding
      return out;
    }
    const int64_t planes = x.numel() / (B * H * W);  // the (...) axes of one sample
    for (int64_t b = 0; b < B; ++b) {
      detail::SplitMix64 rng = sample_stream(ctx, b, "random_crop");
      // Window corner in padded coordinates; the source pixel is (oy + y - pad, ox + x - pad).
      const auto oy = static_cast<int64_t>(rng.below(static_cast<uint64_t>(H + 2 * pad_ - h_ + 1)));
      const auto ox = static_cast<int64_t>(rng.below(static_cast<uint64_t>(W + 2 * pad_ - w_ + 1)));
      const int64_t x0 = std::clamp<int64_t>(pad_ - ox, 0, w_);
      const int64_t x1 = std::clamp<int64_t>(W + pad_ - ox, x0, w_);
      for (int64_t p = 0; p < planes; ++p) {
        const uint8_t* plane = src + static_cast<size_t>((b * planes + p) * H * W) * es;
        uint8_t* out_plane = dst + static_cast<size_t>((b * planes + p) * h_ * w_) * es;
        for (int64_t y = 0; y < h_; ++y) {
          uint8_t* row = out_plane + static_cast<size_t>(y * w_) * es;
          const int64_t sy = oy + y - pad_;
          if (sy < 0 || sy >= H) {
            std::memset(row, 0, static_cast<size_t>(w_) * es);
            continue;
          }
          std::memset(row, 0, static_cast<size_t>(x0) * es);
          std::memcpy(row + static_cast<size_t>(x0) * es, plane + static_cast<size_t>(sy * W + ox + x0 - pad_) * es,
                      static_cast<size_t>(x1 - x0) * es);
          std::memset(row + static_cast<size_t>(x1) * es, 0, static_cast<size_t>(w_ - x1) * es);
        }
      }
    }
    return out;
  }

 private:
  int64_t h_, w_, pad_;
};

class RandomHorizontalFlip final : public Transform {
 public:
  explicit RandomHorizontalFlip(double p) : p_(p) {
    if (!(p >= 0 && p <= 1)) throw Error("[random_horizontal_flip] p must be in [0, 1], got " + std::to_string(p));
  }
  std::string name() const override { return "random_horizontal_flip"; }

  Tensor apply(const Tensor& batch, const TransformContext& ctx) const override {
    if (batch.dim() < 2)
      throw Error("[random_horizontal_flip] needs a batch (B, ..., W), got shape " + shape_str(batch.shape()));
    Tensor x = host_contiguous(batch);
    Tensor out = host_empty(x.shape(), x.dtype());
    const int64_t B = x.size(0), W = x.size(-1);
    if (x.numel() == 0) return out;
    const int64_t rows = x.numel() / (B * W);  // rows of W elements per sample
    const auto es = static_cast<size_t>(dtype_size(x.dtype()));
    const uint8_t* src = host_data(x);
    uint8_t* dst = host_data(out);
    const size_t sample_bytes = static_cast<size_t>(rows * W) * es;
    for (int64_t b = 0; b < B; ++b) {
      detail::SplitMix64 rng = sample_stream(ctx, b, "random_horizontal_flip");
      const uint8_t* s = src + static_cast<size_t>(b) * sample_bytes;
      uint8_t* d = dst + static_cast<size_t>(b) * sample_bytes;
      if (detail::unit_double(rng.next()) >= p_) {
        std::memcpy(d, s, sample_bytes);
        continue;
      }
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < W; ++i)
          std::memcpy(d + static_cast<size_t>(r * W + i) * es, s + static_cast<size_t>(r * W + W - 1 - i) * es, es);
    }
    return out;
  }

 private:
  double p_;
};

}  // namespace

TransformPtr to_float(double scale) { return std::make_shared<ToFloat>(scale); }
TransformPtr normalize(std::vector<double> mean, std::vector<double> std) {
  return std::make_shared<Normalize>(std::move(mean), std::move(std));
}
TransformPtr random_crop(int64_t height, int64_t width, int64_t padding) {
  return std::make_shared<RandomCrop>(height, width, padding);
}
TransformPtr random_horizontal_flip(double p) { return std::make_shared<RandomHorizontalFlip>(p); }

}  // namespace silica::data
