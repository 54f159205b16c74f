// Dropout: the dropout op, active only in training mode.
#include "silica/nn/dropout.h"

#include <sstream>

#include "silica/error.h"
#include "silica/ops.h"

namespace silica::nn {

Dropout::Dropout(double prob) : Module("Dropout"), p(prob) {
  if (!(p >= 0.0 && p <= 1.0)) {
    std::ostringstream s;
    s << "[Dropout] p must be in [0, 1], got " << p;
    throw Error(s.str());
  }
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training() || p == 0.0) return x;
  return dropout(x, p, true);
}

std::string Dropout::extra_repr() const {
  std::ostringstream s;
  s << "p=" << p;
  return s.str();
}

}  // namespace silica::nn
