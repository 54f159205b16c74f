// IDX reader: validates the header, checks that the data size matches the dimensions
// exactly, and converts the big-endian elements to host order.
#include "silica/data/idx.h"

#include <cstdio>
#include <cstring>

#include "data/gzip.h"
#include "io/host_tensor.h"
#include "silica/error.h"
#include "silica/io/atomic_file.h"

namespace silica::data {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw Error("[read_idx] " + source + " " + problem);
}

struct IdxType {
  uint8_t code;
  const char* name;
  int64_t file_size;  // bytes per element in the file
  DType dtype;        // what Silica holds it as
};

constexpr IdxType kTypes[] = {
    {0x08, "u8", 1, DType::u8},   {0x09, "i8", 1, DType::i32},  {0x0B, "i16", 2, DType::i32},
    {0x0C, "i32", 4, DType::i32}, {0x0D, "f32", 4, DType::f32}, {0x0E, "f64", 8, DType::f64}};

uint64_t read_be(const unsigned char* p, int64_t n) {
  uint64_t v = 0;
  for (int64_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

/// Converts n big-endian elements of `type` at `src` into the host tensor's buffer.
void convert(const IdxType& type, const unsigned char* src, int64_t n, uint8_t* dst) {
  switch (type.code) {
    case 0x08:
      std::memcpy(dst, src, static_cast<size_t>(n));
      break;
    case 0x09:
      for (int64_t i = 0; i < n; ++i) reinterpret_cast<int32_t*>(dst)[i] = static_cast<int8_t>(src[i]);
      break;
    case 0x0B:
      for (int64_t i = 0; i < n; ++i)
        reinterpret_cast<int32_t*>(dst)[i] = static_cast<int16_t>(static_cast<uint16_t>(read_be(src + 2 * i, 2)));
      break;
    case 0x0C:
    case 0x0D:  // same bits, only the byte order changes
      for (int64_t i = 0; i < n; ++i) {
        uint32_t v = static_cast<uint32_t>(read_be(src + 4 * i, 4));
        std::memcpy(dst + 4 * i, &v, 4);
      }
      break;
    case 0x0E:
      for (int64_t i = 0; i < n; ++i) {
        uint64_t v = read_be(src + 8 * i, 8);
        std::memcpy(dst + 8 * i, &v, 8);
      }
      break;
  }
}

}  // namespace

Tensor parse_idx(std::string_view bytes, const std::string& source) {
  std::string inflated;
  if (detail::is_gzip(bytes)) {
    inflated = detail::gunzip(bytes, source, "read_idx");
    bytes = inflated;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4)
    fail(source, "is too short (" + std::to_string(bytes.size()) + " bytes) for the 4-byte IDX magic number");
  if (p[0] != 0 || p[1] != 0)
    fail(source, "is not an IDX file: it must start with two zero bytes");
  const IdxType* type = nullptr;
  for (const IdxType& t : kTypes)
    if (t.code == p[2]) type = &t;
  if (!type) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02X", p[2]);
    fail(source, std::string("has unknown IDX type code ") + code +
                     " (known: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64)");
  }
  const int64_t ndim = p[3];
  if (ndim == 0 || ndim > SILICA_MAX_DIMS)
    fail(source, "has " + std::to_string(ndim) + " dimensions; IDX files read here need 1 to " +
                     std::to_string(SILICA_MAX_DIMS));
  const uint64_t header = 4 + 4 * static_cast<uint64_t>(ndim);
  if (bytes.size() < header)
    fail(source, "is truncated: its header needs " + std::to_string(header) + " bytes, found " +
                     std::to_string(bytes.size()));

  Shape shape;
  uint64_t expected = static_cast<uint64_t>(type->file_size);
  uint64_t nonzero = expected;  // bounded even when a zero makes the data empty: strides multiply sizes
  for (int64_t i = 0; i < ndim; ++i) {
    uint64_t d = read_be(p + 4 + 4 * i, 4);
    shape.push_back(static_cast<int64_t>(d));
    if (d == 0) {
      expected = 0;
      continue;
    }
    // A product past 2^62 cannot describe a real file; refuse it before it overflows.
    if (nonzero > (uint64_t{1} << 62) / d)
      fail(source, "declares dimensions " + shape_str(shape) + "... too large for any file");
    nonzero *= d;
    expected *= d;
  }
  const uint64_t found = bytes.size() - header;
  if (found < expected)
    fail(source, "is truncated: expected " + std::to_string(expected) + " bytes of data, found " +
                     std::to_string(found));
  if (found > expected)
    fail(source, "has " + std::to_string(found - expected) + " trailing bytes after the " +
                     std::to_string(expected) + " bytes of data its dimensions " + shape_str(shape) +
                     " describe");

  Tensor t = silica::detail::host_empty(shape, type->dtype);
  if (t.numel() > 0) convert(*type, p + header, t.numel(), silica::detail::host_data(t));
  return t;
}

Tensor read_idx(const std::string& path) {
  return parse_idx(io::read_file(path, "read_idx"), "file '" + path + "'");
}

}  // namespace silica::data
