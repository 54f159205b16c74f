// Placeholder: filled in by the index kernels.
#include "kernel.h"

namespace silica::cpu {

void register_index_kernels() {}

}  // namespace silica::cpu
