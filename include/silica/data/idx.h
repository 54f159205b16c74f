// IDX: the array file format of MNIST and Fashion-MNIST.
//
// Layout: two zero bytes, a type code, the number of dimensions, then each dimension as a
// big-endian u32, then the elements row-major and big-endian. Files may be gzip-compressed.
#pragma once

#include <string>
#include <string_view>

#include "silica/tensor.h"

namespace silica::data {

/// Reads an IDX file, plain or gzip-compressed (recognized by its 0x1f 0x8b magic), into a
/// CPU tensor of the file's shape. Types: 0x08 u8 -> u8; 0x09 i8, 0x0B i16, 0x0C i32 -> i32
/// (widened: Silica has no 8- or 16-bit integers); 0x0D f32 -> f32; 0x0E f64 -> f64.
/// Throws silica::Error naming the file for a bad magic, an unknown type code, a bad
/// dimension count, or data that is shorter ("file X is truncated: expected N bytes of
/// data, found M") or longer than the dimensions say.
Tensor read_idx(const std::string& path);

/// read_idx() from bytes in memory (plain or gzip); `source` names them in errors.
Tensor parse_idx(std::string_view bytes, const std::string& source = "<memory>");

}  // namespace silica::data
