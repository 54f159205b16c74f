// Batch transforms that a DataLoader applies on its loader thread, on the CPU, before the
// batch goes to the device. Random ones are deterministic: each sample's draw depends only
// on (loader seed, transform position, epoch, dataset index), never on batch size, order
// or timing, so a resumed run augments exactly as the original would have.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "silica/tensor.h"

namespace silica::data {

/// What a transform may key its random draws on.
struct TransformContext {
  uint64_t seed = 0;                             // the loader's seed
  uint64_t stream = 0;                           // the transform's position in the pipeline
  int64_t epoch = 0;                             // the epoch the batch belongs to
  const std::vector<int64_t>* indices = nullptr; // dataset index of each batch row
};

/// A function of a whole batch (B, ...) on the CPU.
class Transform {
 public:
  virtual ~Transform() = default;
  /// The transformed batch; `batch` is contiguous on the CPU.
  virtual Tensor apply(const Tensor& batch, const TransformContext& context) const = 0;
  /// For messages: "normalize", "random_crop", ...
  virtual std::string name() const = 0;
};

using TransformPtr = std::shared_ptr<const Transform>;

/// Converts to f32 and multiplies by `scale` (1/255 maps u8 pixels to [0, 1]).
TransformPtr to_float(double scale = 1.0 / 255.0);

/// (x - mean[c]) / std[c] on f32/f64 batches (B, C, ...), channel c on axis 1. One value
/// applies to every channel; otherwise there must be one per channel.
TransformPtr normalize(std::vector<double> mean, std::vector<double> std);

/// Pads the last two axes (H, W) of (B, ..., H, W) with `padding` zeros on every side, then
/// cuts a height x width window at a random place per sample (CIFAR-style augmentation).
TransformPtr random_crop(int64_t height, int64_t width, int64_t padding = 0);

/// Mirrors the last axis (W) of each sample with probability p.
TransformPtr random_horizontal_flip(double p = 0.5);

}  // namespace silica::data
