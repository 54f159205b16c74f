// What every kernel file uses to record a dispatch: binding tensor views, filling the
// parameter block, collapsing strided shapes, and dtype sets.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "device.h"
#include "silica/plugin.h"
#include "status.h"

namespace silica::vk {

constexpr uint32_t bit(int32_t dtype) { return 1u << dtype; }
constexpr uint32_t kFloat32 = bit(SILICA_F32);
constexpr uint32_t kFloats = bit(SILICA_F32) | bit(SILICA_F16) | bit(SILICA_BF16);
constexpr uint32_t kInts = bit(SILICA_I32) | bit(SILICA_I64) | bit(SILICA_U8);
constexpr uint32_t kNumeric = kFloats | kInts;
constexpr uint32_t kAll = kNumeric | bit(SILICA_BOOL);

int64_t numel(const SilicaTensorDesc& d);
int64_t dtype_bytes(int32_t dtype);
const char* dtype_label(int32_t dtype);
/// Row-major without gaps (the strides of size-1 dims do not count).
bool contiguous(const SilicaTensorDesc& d);
/// "(2,3) f32".
std::string describe(const SilicaTensorDesc& d);

/// Shape and strides of up to 4 same-shape operands after dropping size-1 dims and merging
/// dims that are contiguous in every operand ((4,5) row-major -> (20)).
struct Collapsed {
  int ndim = 0;
  int64_t shape[SILICA_MAX_DIMS];
  int64_t strides[4][SILICA_MAX_DIMS];
};
/// ops[0] gives the shape; every operand has its own strides.
Collapsed collapse(const SilicaTensorDesc* const* ops, int count);

/// Workgroups for `n` invocations of `local` each, capped for grid-stride loops.
uint32_t groups_for(int64_t n, uint32_t local);

/// One dispatch being prepared: shader and specialization constants, tensor bindings,
/// parameters. Errors are kept and returned by run(), so calls can be chained.
class Launch {
 public:
  Launch(Device& device, std::string shader) : device_(device), shader_(std::move(shader)) {}

  /// Appends specialization constant number spec_.size().
  Launch& spec(int32_t value) {
    spec_.push_back(value);
    return *this;
  }
  /// Binds a view at the next tensor binding (1, 2, ...); returns its base element offset
  /// (relative to the bound range) for the shader's index arithmetic.
  int32_t bind(const SilicaTensorDesc& t, bool write);
  /// Binds the status word (binding 7) for kernels that may report bad indices.
  Launch& status() {
    info_.status = true;
    return *this;
  }
  /// Parameter word i (int, or a float's bits).
  Launch& set(int i, int64_t v);
  Launch& setf(int i, double v);
  /// Binds up to 4 same-shape views (ops[0] the output) and writes the strided layout
  /// (shaders/common/strided.glsl); returns the element count.
  int64_t bind_strided(const SilicaTensorDesc* const* ops, const bool* write, int count);

  /// Finds or creates the pipeline of the shader and constants so far (run() does too):
  /// for a caller that falls back to another shader where a driver cannot build this one.
  SilicaStatus prepare();
  SilicaStatus run(uint32_t gx, uint32_t gy = 1, uint32_t gz = 1);

 private:
  SilicaStatus failed(SilicaStatus st) {
    if (status_ == SILICA_OK) status_ = st, error_ = last_error_text();
    return st;
  }

  Device& device_;
  std::string shader_;
  std::vector<int32_t> spec_;
  DispatchInfo info_;
  int32_t params_[kParamBytes / 4] = {};
  int param_count_ = 0;
  SilicaStatus status_ = SILICA_OK;
  std::string error_;
};

/// A temporary buffer viewed as a contiguous (rows, cols) tensor of `dtype`.
SilicaTensorDesc temp_desc(Buffer* b, int64_t rows, int64_t cols, int32_t dtype = SILICA_F32);
/// y (n) = the sum over axis 0 of partial results x (S, n).
SilicaStatus sum_rows(Device& dev, const SilicaTensorDesc& x, const SilicaTensorDesc& y);

/// Records y = x through shaders/transpose.comp where x's last two dims are transposed
/// (a unit stride along dim -2), y is contiguous, the elements have 2 or 4 bytes and the
/// batch dims walk x as one stride (kernels_transpose.cpp); false, with nothing recorded,
/// where it does not apply. *st: the recording's status.
bool copy_transposed(Device& dev, const SilicaTensorDesc& x, const SilicaTensorDesc& y, SilicaStatus* st);

/// Parameter word index where the strided layout's op-specific words start.
constexpr int kExtra = 48;

}  // namespace silica::vk
