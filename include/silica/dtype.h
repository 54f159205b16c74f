// Element types of tensors.
#pragma once

#include <cstdint>
#include <string>

#include "silica/plugin.h"

namespace silica {

/// Element type. Values equal the ABI's SilicaDType.
enum class DType : int32_t {
  f32 = SILICA_F32,
  f64 = SILICA_F64,
  f16 = SILICA_F16,
  bf16 = SILICA_BF16,
  i32 = SILICA_I32,
  i64 = SILICA_I64,
  u8 = SILICA_U8,
  boolean = SILICA_BOOL,
};

/// Bytes per element.
int64_t dtype_size(DType dtype);
/// Short name: "f32", "bf16", "bool".
const char* dtype_name(DType dtype);
/// Parses a name from dtype_name ("float32"/"float"/"int64" aliases too); throws on unknown names.
DType dtype_from_name(const std::string& name);
/// True for f32, f64, f16, bf16.
bool is_floating(DType dtype);
/// The dtype both operands are converted to by binary ops (NumPy/PyTorch rules:
/// floating beats integer, wider beats narrower; f16 with bf16 gives f32).
DType promote_types(DType a, DType b);

}  // namespace silica
