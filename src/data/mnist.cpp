// MNIST-like directories: find the four IDX files, read and cross-check them.
#include "silica/data/mnist.h"

#include <sys/stat.h>

#include "io/host_tensor.h"
#include "silica/data/idx.h"
#include "silica/error.h"

namespace silica::data {

namespace {

const char* const kHowToGet =
    "Install Fashion-MNIST with `apt-get install dataset-fashion-mnist` (it goes to "
    "/usr/share/datasets/fashion-mnist), or pass --data-dir DIR for a directory that holds "
    "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
    "t10k-labels-idx1-ubyte (each may end in .gz)";

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// dir/name or dir/name.gz, whichever exists (the plain file first).
std::string find_file(const std::string& dir, const std::string& name) {
  std::string plain = dir + "/" + name;
  if (is_regular_file(plain)) return plain;
  if (is_regular_file(plain + ".gz")) return plain + ".gz";
  throw Error("[load_mnist_like] neither " + name + " nor " + name + ".gz is in '" + dir + "'. " + kHowToGet);
}

}  // namespace

MnistSplit load_mnist_like(const std::string& dir, bool train) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error("[load_mnist_like] dataset directory '" + dir + "' does not exist. " + kHowToGet);
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");

  MnistSplit s;
  s.images = read_idx(images_path);
  s.labels = read_idx(labels_path);
  if (s.images.dtype() != DType::u8 || s.images.dim() != 3)
    throw Error("[load_mnist_like] '" + images_path + "' must hold (N, H, W) u8 images, found " +
                shape_str(s.images.shape()) + " " + dtype_name(s.images.dtype()));
  if (s.labels.dtype() != DType::u8 || s.labels.dim() != 1)
    throw Error("[load_mnist_like] '" + labels_path + "' must hold (N) u8 labels, found " +
                shape_str(s.labels.shape()) + " " + dtype_name(s.labels.dtype()));
  if (s.images.size(0) != s.labels.size(0))
    throw Error("[load_mnist_like] '" + images_path + "' holds " + std::to_string(s.images.size(0)) + " images but '" +
                labels_path + "' holds " + std::to_string(s.labels.size(0)) + " labels; the files do not belong together");
  const uint8_t* labels = silica::detail::host_data(s.labels);
  for (int64_t i = 0; i < s.labels.numel(); ++i)
    if (labels[i] > 9)
      throw Error("[load_mnist_like] '" + labels_path + "': label " + std::to_string(i) + " is " +
                  std::to_string(labels[i]) + ", outside the classes 0..9");
  return s;
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> kClasses = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return kClasses;
}

FashionMnist::FashionMnist(const MnistSplit& split)
    : TensorDataset(split.images.unsqueeze(1), split.labels) {}

FashionMnist::FashionMnist(const std::string& dir, bool train) : FashionMnist(load_mnist_like(dir, train)) {}

}  // namespace silica::data
