// Placeholder: filled in by the random kernels.
#include "kernel.h"

namespace silica::cpu {

void register_random_kernels() {}

}  // namespace silica::cpu
