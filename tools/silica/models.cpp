#include "models.h"

#include "silica/error.h"

namespace silica::cli {

namespace {

using nn::make;

// 784-256-128-10 with ReLU.
std::shared_ptr<nn::Module> mlp(Generator& gen) {
  TensorOptions o;
  return nn::sequential({make<nn::Flatten>(), make<nn::Linear>(784, 256, true, o, &gen), make<nn::ReLU>(),
                         make<nn::Linear>(256, 128, true, o, &gen), make<nn::ReLU>(),
                         make<nn::Linear>(128, 10, true, o, &gen)});
}

// conv32-pool-conv64-pool-fc128-fc10 (3x3 convolutions, same padding).
std::shared_ptr<nn::Module> cnn(Generator& gen) {
  TensorOptions o;
  nn::Conv2dArgs same;
  same.padding = 1;
  return nn::sequential({make<nn::Conv2d>(1, 32, 3, same, o, &gen), make<nn::ReLU>(), make<nn::MaxPool2d>(2),
                         make<nn::Conv2d>(32, 64, 3, same, o, &gen), make<nn::ReLU>(), make<nn::MaxPool2d>(2),
                         make<nn::Flatten>(), make<nn::Linear>(64 * 7 * 7, 128, true, o, &gen), make<nn::ReLU>(),
                         make<nn::Linear>(128, 10, true, o, &gen)});
}

// conv-BN-ReLU, conv-BN: the body of a basic residual block.
std::shared_ptr<nn::Module> block_body(int64_t in, int64_t out, int64_t stride, Generator& gen) {
  TensorOptions o;
  nn::Conv2dArgs first, second;
  first.stride = stride;
  first.padding = 1;
  first.bias = false;
  second.padding = 1;
  second.bias = false;
  return nn::sequential({make<nn::Conv2d>(in, out, 3, first, o, &gen), make<nn::BatchNorm2d>(out),
                         make<nn::ReLU>(), make<nn::Conv2d>(out, out, 3, second, o, &gen),
                         make<nn::BatchNorm2d>(out)});
}

std::shared_ptr<nn::Module> residual_block(int64_t in, int64_t out, int64_t stride, Generator& gen) {
  std::shared_ptr<nn::Module> shortcut;
  if (stride != 1 || in != out) {
    nn::Conv2dArgs projection;
    projection.stride = stride;
    projection.bias = false;
    shortcut = nn::sequential({make<nn::Conv2d>(in, out, 1, projection, TensorOptions(), &gen),
                               make<nn::BatchNorm2d>(out)});
  }
  return nn::sequential({make<nn::Residual>(block_body(in, out, stride, gen), shortcut), make<nn::ReLU>()});
}

// A small ResNet: a 16-channel stem, residual stages of 16, 32 (14x14) and 64 (7x7)
// channels, global average pooling and a linear classifier.
std::shared_ptr<nn::Module> resnet(Generator& gen) {
  nn::Conv2dArgs stem;
  stem.padding = 1;
  stem.bias = false;
  return nn::sequential({make<nn::Conv2d>(1, 16, 3, stem, TensorOptions(), &gen), make<nn::BatchNorm2d>(16),
                         make<nn::ReLU>(), residual_block(16, 16, 1, gen), residual_block(16, 32, 2, gen),
                         residual_block(32, 64, 2, gen), make<nn::AdaptiveAvgPool2d>(1), make<nn::Flatten>(),
                         make<nn::Linear>(64, 10, true, TensorOptions(), &gen)});
}

}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = {"mlp", "cnn", "resnet"};
  return names;
}

std::shared_ptr<nn::Module> build_model(const std::string& name, Generator& gen) {
  if (name == "mlp") return mlp(gen);
  if (name == "cnn") return cnn(gen);
  if (name == "resnet") return resnet(gen);
  throw Error("[model] unknown model '" + name + "'; choose one of mlp, cnn, resnet");
}

}  // namespace silica::cli
