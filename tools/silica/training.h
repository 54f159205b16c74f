// The `silica train`, `silica eval` and `silica predict` commands.
#pragma once

#include <memory>

#include "silica/data/dataset.h"
#include "silica/nn.h"

namespace silica::cli {

int train_command(int argc, char** argv);
int eval_command(int argc, char** argv);
int predict_command(int argc, char** argv);

/// Test loss and accuracy of `model` (switched to eval mode) over `data`.
struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
  int64_t samples = 0;
};
Evaluation evaluate(nn::Module& model, std::shared_ptr<const data::Dataset> data, const Device& device);

/// Fashion-MNIST pixels (B, 28, 28) u8 -> normalized (B, 1, 28, 28) f32 on `device`, as
/// training and prediction see them.
Tensor prepare_images(const Tensor& pixels, const Device& device);

}  // namespace silica::cli
