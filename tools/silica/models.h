// The models `silica train --model` builds, all for (B, 1, 28, 28) images and 10 classes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "silica/nn.h"

namespace silica::cli {

/// "mlp", "cnn", "resnet".
const std::vector<std::string>& model_names();

/// Builds `name` with weights drawn from `gen` (so a seed gives the same model on every
/// device). Throws silica::Error listing the known names for an unknown one.
std::shared_ptr<nn::Module> build_model(const std::string& name, Generator& gen);

}  // namespace silica::cli
