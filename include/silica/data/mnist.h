// MNIST-like datasets (MNIST, Fashion-MNIST): four IDX files in one directory.
#pragma once

#include <string>
#include <vector>

#include "silica/data/dataset.h"

namespace silica::data {

/// Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// One split of an MNIST-like dataset, as stored in the files.
struct MnistSplit {
  Tensor images;  // (N, H, W) u8, 28x28 for (Fashion-)MNIST
  Tensor labels;  // (N) u8, each in 0..9
};

/// Reads {train,t10k}-images-idx3-ubyte and {train,t10k}-labels-idx1-ubyte from `dir`,
/// each plain or with a ".gz" suffix. Checks that images are (N, H, W) u8, labels (N) u8
/// in 0..9 and that the counts match. A missing directory or file gives an error that
/// says how to get the data (`apt-get install dataset-fashion-mnist`, or --data-dir).
MnistSplit load_mnist_like(const std::string& dir, bool train);

/// The ten Fashion-MNIST class names, by label: "T-shirt/top", "Trouser", ... "Ankle boot".
const std::vector<std::string>& fashion_mnist_classes();

/// Fashion-MNIST (or any MNIST-like directory) as a dataset: inputs (N, 1, 28, 28) u8
/// (add data::to_float() and normalize() transforms for training), labels 0..9.
class FashionMnist : public TensorDataset {
 public:
  explicit FashionMnist(const std::string& dir = kFashionMnistDir, bool train = true);
  /// From a split already loaded.
  explicit FashionMnist(const MnistSplit& split);
};

}  // namespace silica::data
