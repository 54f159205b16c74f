// matmul with NumPy semantics: 1-D operands are promoted to matrices (and the added axis
// removed again), batch dims broadcast. Operands reach the device without copies when
// their last two dims are row-major or transposed (x.mT() from a Linear layer stays a
// view); broadcast batch dims travel as stride 0.
#include "ops/op_helpers.h"

namespace silica {

using detail::run_op;

namespace {

Shape batch_of(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

Shape with_matrix(Shape batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

int64_t product(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// True when the device can read the last two dims in place (the SILICA_OP_MATMUL contract:
// strides[-1] == 1 or strides[-2] == 1, rows not overlapping). Size-1 dims fit either way.
bool matrix_layout_ok(const Tensor& t) {
  int64_t n = t.dim();
  int64_t rows = t.shape()[n - 2], cols = t.shape()[n - 1];
  int64_t sr = t.strides()[n - 2], sc = t.strides()[n - 1];
  bool row_major = (sc == 1 || cols <= 1) && (rows <= 1 || sr >= std::max<int64_t>(cols, 1));
  bool transposed = (sr == 1 || rows <= 1) && (cols <= 1 || sc >= std::max<int64_t>(rows, 1));
  return row_major || transposed;
}

Tensor as_operand(const Tensor& t) { return matrix_layout_ok(t) ? t : t.contiguous(); }

// a (..., M, K) @ b (..., K, N), both at least 2-D, one dtype, inner sizes checked.
// Not recorded: the caller records the whole product.
Tensor matmul_raw(const Tensor& a, const Tensor& b, const char* name) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  Shape ba = batch_of(a.shape()), bb = batch_of(b.shape());
  // (..., M, K) @ (K, N) with contiguous a: fold the batch into M for one large GEMM.
  if (bb.empty() && !ba.empty() && a.is_contiguous()) {
    Tensor y2 = matmul_raw(a.reshape({product(ba) * M, K}), b, name);
    return y2.reshape(with_matrix(ba, M, N));
  }
  Shape batch;
  try {
    batch = ops::broadcast_shapes(ba, bb, name);
  } catch (const Error&) {
    throw Error(std::string("[") + name + "] batch dims " + shape_str(ba) + " of " + shape_str(a.shape()) +
                " and " + shape_str(bb) + " of " + shape_str(b.shape()) +
                " do not broadcast; batch sizes must match or be 1");
  }
  // Fix the layout before expanding, so a broadcast batch never gets materialized.
  Tensor ae = as_operand(a).expand(with_matrix(batch, M, K));
  Tensor be = as_operand(b).expand(with_matrix(batch, K, N));
  Tensor y = ops::new_tensor(with_matrix(batch, M, N), a.dtype(), a.device());
  run_op(name, SILICA_OP_MATMUL, {ae, be}, {y});
  return y;
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  if (!a_in.defined() || !b_in.defined()) throw Error("[matmul] got an undefined tensor");
  ops::require_same_device(a_in, b_in, "matmul");
  if (a_in.dim() == 0 || b_in.dim() == 0)
    throw Error("[matmul] needs tensors of at least 1 dimension, got " + ops::describe(a_in) + " and " +
                ops::describe(b_in) + "; use mul() to scale by a scalar");
  if (!is_floating(a_in.dtype()) || !is_floating(b_in.dtype()))
    throw Error("[matmul] expects floating tensors, got " + ops::describe(a_in) + " and " + ops::describe(b_in) +
                "; convert with .to(DType::f32)");
  const int64_t k_a = a_in.size(-1), k_b = b_in.dim() == 1 ? b_in.size(0) : b_in.size(-2);
  if (k_a != k_b)
    throw Error("[matmul] cannot multiply " + shape_str(a_in.shape()) + " by " + shape_str(b_in.shape()) +
                ": inner sizes " + std::to_string(k_a) + " and " + std::to_string(k_b) + " differ");
  const DType dtype = promote_types(a_in.dtype(), b_in.dtype());
  const bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
  Tensor y;
  {
    NoGradGuard no_grad;  // promotions and views here are part of this one recorded op
    Tensor a = a_in.to(dtype), b = b_in.to(dtype);
    if (a_vec) a = a.unsqueeze(0);   // (K) -> (1, K)
    if (b_vec) b = b.unsqueeze(1);   // (K) -> (K, 1)
    y = matmul_raw(a, b, "matmul");
    if (a_vec) y = y.squeeze(-2);
    if (b_vec) y = y.squeeze(-1);
  }
  autograd::record("matmul", y, {a_in, b_in}, [a_in, b_in, dtype, a_vec, b_vec](const Tensor& g_in,
                                                                                 const std::vector<bool>& needs) {
    // In matrix form: Y = A B, dA = dY B^T, dB = A^T dY, summed over broadcast batch dims.
    Tensor a = a_in.to(dtype), b = b_in.to(dtype), g = g_in.to(dtype);
    if (a_vec) a = a.unsqueeze(0);
    if (b_vec) b = b.unsqueeze(1);
    if (b_vec) g = g.unsqueeze(-1);
    if (a_vec) g = g.unsqueeze(-2);
    Tensor da, db;
    if (needs[0]) da = sum_to(matmul_raw(g, b.mT(), "matmul"), a.shape()).reshape(a_in.shape());
    if (needs[1]) {
      // b stored transposed (x @ W.mT() in a Linear layer): compute db^T = g^T a and hand
      // back its transpose, so db has b's layout and W's gradient arrives contiguous
      // instead of being copied.
      const bool b_transposed = b.dim() == 2 && b.strides()[0] == 1 && b.size(0) > 1 && b.size(1) > 1;
      if (b.dim() == 2 && (a.dim() == 2 || (a.dim() > 2 && a.is_contiguous()))) {
        // With batch dims, b was shared by every batch: one GEMM over the folded batch.
        int64_t rows = product(batch_of(a.shape())) * a.size(-2);
        Tensor a2 = a.dim() == 2 ? a : a.reshape({rows, a.size(-1)});
        Tensor g2 = g.dim() == 2 ? g : g.reshape({rows, g.size(-1)});
        db = b_transposed ? matmul_raw(g2.mT(), a2, "matmul").mT() : matmul_raw(a2.mT(), g2, "matmul");
      } else {
        db = sum_to(matmul_raw(a.mT(), g, "matmul"), b.shape());
      }
      db = db.reshape(b_in.shape());
    }
    return std::vector<Tensor>{da.defined() ? da.to(a_in.dtype()) : da, db.defined() ? db.to(b_in.dtype()) : db};
  });
  return y;
}

}  // namespace silica
