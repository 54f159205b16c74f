// safetensors: the tensor file format of the Hugging Face / PyTorch ecosystem.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON mapping each tensor
// name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the byte buffer
// that follows the header), plus an optional "__metadata__" object of strings; then the
// buffer, every tensor row-major and little-endian, with no gaps and nothing after.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "silica/tensor.h"

namespace silica::io {

/// Free-form string pairs stored in a file's "__metadata__".
using Metadata = std::map<std::string, std::string>;

/// Reads every tensor of the file at `path` onto the CPU. Stores the file's metadata in
/// `*metadata` when given. Throws silica::Error naming the file and the problem for any
/// file that breaks the format (bad header length or JSON, unknown dtype, offsets out of
/// range / overlapping / leaving gaps or trailing bytes, sizes that disagree with shapes,
/// duplicate names, non-string metadata).
/// Supported dtypes: F32, F64, F16, BF16, I32, I64, U8, BOOL.
std::map<std::string, Tensor> load_safetensors(const std::string& path, Metadata* metadata = nullptr);

/// load_safetensors() from a file image already in memory; `source` names it in errors.
std::map<std::string, Tensor> load_safetensors_from_memory(std::string_view bytes,
                                                           Metadata* metadata = nullptr,
                                                           const std::string& source = "<memory>");

/// The file image save_safetensors() writes: tensors sorted by name, the header padded
/// with spaces to a multiple of 8 bytes, tensor data contiguous with no gaps. Tensors on
/// any device are copied to the host. Names must be valid UTF-8 and not "__metadata__".
std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors,
                                  const Metadata& metadata = {});

/// Writes `tensors` to `path` atomically (through "<path>.tmp", fsync and rename): a crash
/// or failed write never leaves a broken file, and a failure keeps the old file.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const Metadata& metadata = {});

/// The safetensors name of a dtype: "F32", "BF16", "BOOL", ...
const char* safetensors_dtype_name(DType dtype);

}  // namespace silica::io
