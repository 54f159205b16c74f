// Placeholder: filled in by the conv kernels.
#include "kernel.h"

namespace silica::cpu {

void register_conv_kernels() {}

}  // namespace silica::cpu
