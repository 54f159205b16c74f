// Copies of transposed matrices (shaders/transpose.comp): COPY of a view whose last two
// dims are swapped into a contiguous tensor.
#include "kernel_util.h"

namespace silica::vk {

bool copy_transposed(Device& dev, const SilicaTensorDesc& x, const SilicaTensorDesc& y, SilicaStatus* st) {
  const int nd = y.ndim;
  const int64_t es = dtype_bytes(y.dtype);
  // x and y in one buffer may overlap; the strided copy keeps its element order there.
  if (nd < 2 || x.ndim != nd || x.dtype != y.dtype || (es != 2 && es != 4) || x.buffer == y.buffer)
    return false;
  // y (..., C, R) contiguous; x of the same shape read as (..., R, C) rows of C elements.
  const int64_t C = y.shape[nd - 2], R = y.shape[nd - 1], x_row = x.strides[nd - 1];
  if (C < 2 || R < 2 || x.strides[nd - 2] != 1 || x_row < C) return false;
  if (!contiguous(y)) return false;
  // x's batch dims must walk as one stride.
  int64_t batches = 1, x_batch = 0;
  for (int d = nd - 3; d >= 0; --d) {
    if (x.shape[d] == 1) continue;
    if (batches == 1)
      x_batch = x.strides[d];
    else if (x.strides[d] != x_batch * batches)
      return false;
    batches *= x.shape[d];
  }
  // A workgroup's tile: 64 rows of x by 128 bytes.
  const int64_t per_word = 4 / es, tile_c = 32 * per_word, tile_r = 64;
  const int64_t gx = (C + tile_c - 1) / tile_c, gy = (R + tile_r - 1) / tile_r;
  if (x_batch < 0 || gx > 65535 || gy > 65535) return false;
  // Words of 2-byte elements must not straddle y's rows (R even) and each x row's words
  // must start with its first element (bases and strides even).
  const auto whole = [per_word](int64_t v) { return v % per_word == 0; };
  if (!whole(R) || !whole(x_row) || !whole(x_batch)) return false;
  // 16-byte chunks where every row of x and y starts on one and holds whole ones. The
  // views' bases are known once bound: a Launch that does not run records nothing.
  const int64_t chunk = 4 * per_word;
  const bool rows_in_chunks = x_row % chunk == 0 && x_batch % chunk == 0 && C % chunk == 0 && R % chunk == 0;
  for (const bool chunked : {true, false}) {
    if (chunked && !rows_in_chunks) continue;
    Launch l(dev, chunked ? "transpose_chunks" : "transpose");
    const int32_t y_base = l.bind(y, true), x_base = l.bind(x, false);
    const bool fits = chunked ? x_base % chunk == 0 && y_base % chunk == 0 : whole(y_base) && whole(x_base);
    if (!fits) continue;
    l.spec(static_cast<int32_t>(per_word));
    l.set(0, R).set(1, C).set(2, batches).set(3, x_row).set(4, x_batch).set(5, x_base).set(6, y_base);
    *st = l.run(static_cast<uint32_t>(gx), static_cast<uint32_t>(gy), groups_for(batches, 1));
    return true;
  }
  return false;
}

}  // namespace silica::vk
