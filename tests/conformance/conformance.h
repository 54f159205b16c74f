// The conformance suite: one table of op cases, run on any device against the CPU in
// float64, plus finite-difference checks of every gradient (float64, CPU).
//
// A case names the op, describes its inputs (shape, value range, layout) and calls the
// op through the public API. The runner makes random inputs (never zeros), rounds them to
// the dtype under test, computes the float64 CPU reference on the rounded values, runs the
// op on the device and compares with per-dtype tolerances.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "silica/silica.h"

namespace silica::conformance {

/// What values an input holds.
enum class Values {
  normal,     // N(0, 1)
  positive,   // uniform in [0.5, 2): log, sqrt, pow bases, divisors
  unit,       // uniform in (0.05, 0.95): probabilities
  away,       // |x| in [0.5, 2) with random sign: keeps kinks (abs, relu, max) away from FD steps
  index,      // i64 integers in [0, high)
  boolean,    // random true/false
  integer,    // i64/i32 integers in [-high, high) (for integer dtype cases)
};

/// One input of a case.
struct Input {
  Shape shape;
  Values values = Values::normal;
  int64_t high = 10;  // for index / integer values
  /// Hand the op a non-contiguous view: the tensor is made with its last two axes
  /// swapped and transposed back (needs 2+ dims), or, for 1-D, as every other element.
  bool strided = false;
  /// Integer dtype for index/integer inputs, or the fixed dtype of a floating input
  /// that must not follow the case's dtype (e.g. a mask). Left unset: follows the case.
  std::optional<DType> dtype{};
};

/// One row of the table.
struct Case {
  std::string name;  // "op/variant", e.g. "add/broadcast_rows"
  std::vector<Input> inputs;
  /// Calls the op. Receives tensors on the device under test.
  std::function<Tensor(const std::vector<Tensor>&)> run;
  /// Dtypes the floating inputs take (integer cases list i32/i64 here).
  std::vector<DType> dtypes = {DType::f32, DType::f64, DType::f16, DType::bf16};
  /// Check gradients of every floating input by finite differences.
  bool grad = true;
  /// Extra relative tolerance factor (ops that amplify rounding, e.g. var of near-equal values).
  double tolerance_scale = 1.0;
};

/// The whole table (cases from every cases_*.cpp file).
const std::vector<Case>& all_cases();

// Each cases_*.cpp contributes its rows through one of these.
void add_elementwise_cases(std::vector<Case>& cases);
void add_reduce_cases(std::vector<Case>& cases);
void add_linalg_cases(std::vector<Case>& cases);   // matmul, conv2d, pooling
void add_nn_cases(std::vector<Case>& cases);       // softmax, losses, norms, dropout, one_hot
void add_index_cases(std::vector<Case>& cases);    // embedding, gather, scatter, cat, split, ...
void add_view_cases(std::vector<Case>& cases);     // views, contiguous, creation, random
void add_optim_cases(std::vector<Case>& cases);    // Adam/AdamW steps (fused SILICA_OP_ADAM_UPDATE or composed)

struct Options {
  std::string filter;   // run cases whose name contains this
  bool verbose = false; // print every case, not only failures
  bool check_grads = true;
};

struct Summary {
  int passed = 0;
  int failed = 0;
  std::vector<std::string> failures;  // one line each: case, dtype, what differed
  /// Rows whose case makes a tensor of a dtype the device cannot hold (f64 on a GPU
  /// without float64): not run, so neither passed nor failed.
  int skipped = 0;
};

/// Runs every case on `device` for each dtype the device holds; gradient checks run
/// by finite differences on the CPU in float64 and, on other devices, against the CPU.
Summary run(const Device& device, const Options& options = {});

}  // namespace silica::conformance
