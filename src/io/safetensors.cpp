// safetensors reader and writer. The reader validates the header completely before it
// allocates any tensor, so a hostile file costs at most its header's parse.
#include "silica/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <functional>
#include <set>
#include <vector>

#include "io/host_tensor.h"
#include "io/json.h"
#include "silica/error.h"
#include "silica/io/atomic_file.h"

namespace silica::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps here");

namespace {

// The reference implementation refuses larger headers; so do we (a corrupt length
// should not make us allocate gigabytes).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// Largest tensor size (in bytes, counting only non-zero dimensions) accepted; far beyond
// any real file, small enough that no size or stride product overflows int64.
constexpr uint64_t kMaxElementBytes = uint64_t{1} << 62;
constexpr const char* kSupported = "BOOL, U8, I32, I64, F16, BF16, F32, F64";

struct Entry {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

struct Header {
  std::vector<Entry> entries;
  Metadata metadata;
};

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw Error("[load_safetensors] " + source + ": " + problem);
}

bool dtype_from_safetensors(const std::string& name, DType* out) {
  static const std::pair<const char*, DType> kTable[] = {
      {"F32", DType::f32}, {"F64", DType::f64}, {"F16", DType::f16}, {"BF16", DType::bf16},
      {"I32", DType::i32}, {"I64", DType::i64}, {"U8", DType::u8},   {"BOOL", DType::boolean}};
  for (const auto& [n, d] : kTable)
    if (name == n) {
      *out = d;
      return true;
    }
  return false;
}

/// Official safetensors dtypes that Silica has no tensor type for.
bool is_official_unsupported(const std::string& name) {
  static const char* const kNames[] = {"I8",      "I16",     "U16",     "U32", "U64",
                                       "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4",  "F6_E2M3",
                                       "F6_E3M2", "C64"};
  for (const char* n : kNames)
    if (name == n) return true;
  return false;
}

uint64_t read_u64_le(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string offsets_str(const Entry& e) {
  std::string s = "[";  // built by appends: GCC 12 misreports `"[" + std::string&&` (-Wrestrict)
  s += std::to_string(e.begin);
  s += ", ";
  s += std::to_string(e.end);
  s += "]";
  return s;
}

/// Checks the 8-byte length prefix against the limit and the total size; returns N.
uint64_t check_header_length(const unsigned char* prefix, uint64_t total_size, const std::string& source) {
  uint64_t n = read_u64_le(prefix);
  if (n > kMaxHeaderBytes)
    fail(source, "header length " + std::to_string(n) + " exceeds the limit of " +
                     std::to_string(kMaxHeaderBytes) + " bytes (100 MB); is this a safetensors file?");
  if (n > total_size - 8)
    fail(source, "header length " + std::to_string(n) + " goes past the end of the file (" +
                     std::to_string(total_size) + " bytes in all); the file is truncated or not safetensors");
  return n;
}

Shape parse_shape(const json::Value& v, const std::string& name, const std::string& source) {
  if (!v.is_array())
    fail(source, "tensor '" + name + "': \"shape\" must be an array of sizes, got " + json::kind_name(v.kind));
  if (v.items.size() > SILICA_MAX_DIMS)
    fail(source, "tensor '" + name + "' has " + std::to_string(v.items.size()) + " dimensions; Silica supports at most " +
                     std::to_string(SILICA_MAX_DIMS));
  Shape shape;
  for (const json::Value& d : v.items) {
    uint64_t size = 0;
    if (!json::to_uint64(d, &size) || size > static_cast<uint64_t>(INT64_MAX))
      fail(source, "tensor '" + name + "': \"shape\" holds " + (d.is_number() ? d.text : json::kind_name(d.kind)) +
                       ", expected non-negative integers");
    shape.push_back(static_cast<int64_t>(size));
  }
  return shape;
}

Entry parse_entry(const std::string& name, const json::Value& v, const std::string& source) {
  if (!v.is_object()) fail(source, "tensor '" + name + "' must be described by an object, got " + json::kind_name(v.kind));
  Entry e;
  e.name = name;
  const json::Value* dtype = nullptr;
  const json::Value* shape = nullptr;
  const json::Value* offsets = nullptr;
  for (const json::Member& m : v.members) {
    const json::Value** slot = m.key == "dtype" ? &dtype : m.key == "shape" ? &shape
                             : m.key == "data_offsets" ? &offsets : nullptr;
    if (!slot) continue;  // unknown keys are ignored, as the reference implementation does
    if (*slot) fail(source, "tensor '" + name + "' has key \"" + m.key + "\" twice");
    *slot = &m.value;
  }
  if (!dtype || !shape || !offsets)
    fail(source, "tensor '" + name + "' lacks \"" + (!dtype ? "dtype" : !shape ? "shape" : "data_offsets") + "\"");

  if (!dtype->is_string()) fail(source, "tensor '" + name + "': \"dtype\" must be a string");
  if (!dtype_from_safetensors(dtype->text, &e.dtype)) {
    if (is_official_unsupported(dtype->text))
      fail(source, "tensor '" + name + "' has dtype " + dtype->text +
                       ", a safetensors dtype that Silica does not support (supported: " + kSupported +
                       "); convert it to one of those before loading");
    fail(source, "tensor '" + name + "' has unknown dtype '" + dtype->text + "' (supported: " + kSupported + ")");
  }
  e.shape = parse_shape(*shape, name, source);

  if (!offsets->is_array() || offsets->items.size() != 2 || !json::to_uint64(offsets->items[0], &e.begin) ||
      !json::to_uint64(offsets->items[1], &e.end))
    fail(source, "tensor '" + name + "': \"data_offsets\" must be [begin, end] with non-negative integers");
  if (e.end < e.begin)
    fail(source, "tensor '" + name + "': data_offsets " + offsets_str(e) + " end before they begin");

  // Bytes the shape needs. The product of the non-zero sizes is bounded too, even when a
  // zero size makes the tensor empty, since strides are products of sizes.
  uint64_t bytes = static_cast<uint64_t>(dtype_size(e.dtype));
  uint64_t nonzero = bytes;
  for (int64_t d : e.shape) {
    if (d == 0) {
      bytes = 0;
      continue;
    }
    if (nonzero > kMaxElementBytes / static_cast<uint64_t>(d))
      fail(source, "tensor '" + name + "' of shape " + shape_str(e.shape) + " is too large");
    nonzero *= static_cast<uint64_t>(d);
    bytes *= static_cast<uint64_t>(d);
  }
  if (e.end - e.begin != bytes)
    fail(source, "tensor '" + name + "' of shape " + shape_str(e.shape) + " and dtype " + dtype->text + " needs " +
                     std::to_string(bytes) + " bytes, but its data_offsets " + offsets_str(e) + " hold " +
                     std::to_string(e.end - e.begin));
  return e;
}

/// Parses and validates the JSON header against a data buffer of `buffer_size` bytes.
Header parse_header(std::string_view text, uint64_t buffer_size, const std::string& source) {
  if (text.empty() || text[0] != '{')
    fail(source, "the header must be a JSON object starting with '{' (is this a safetensors file?)");
  json::Value root;
  try {
    root = json::parse(text);
  } catch (const json::ParseError& e) {
    fail(source, std::string("the header is not valid JSON: ") + e.what());
  }
  if (!root.is_object()) fail(source, "the header must be a JSON object");

  Header h;
  std::set<std::string> seen;
  for (const json::Member& m : root.members) {
    if (!seen.insert(m.key).second)
      fail(source, m.key == "__metadata__" ? std::string("\"__metadata__\" appears twice")
                                           : "duplicate tensor name '" + m.key + "'");
    if (m.key == "__metadata__") {
      if (!m.value.is_object())
        fail(source, std::string("\"__metadata__\" must be an object of strings, got ") + json::kind_name(m.value.kind));
      for (const json::Member& kv : m.value.members) {
        if (!kv.value.is_string())
          fail(source, "\"__metadata__\" value of '" + kv.key + "' must be a string, got " + json::kind_name(kv.value.kind));
        if (!h.metadata.emplace(kv.key, kv.value.text).second)
          fail(source, "\"__metadata__\" has key '" + kv.key + "' twice");
      }
      continue;
    }
    h.entries.push_back(parse_entry(m.key, m.value, source));
  }

  // The tensors must tile the buffer exactly: sorted by offsets, each begins where the
  // previous ended, the first at 0 and the last at the end of the buffer.
  for (const Entry& e : h.entries)
    if (e.end > buffer_size)
      fail(source, "tensor '" + e.name + "': data_offsets " + offsets_str(e) + " go past the end of the " +
                       std::to_string(buffer_size) + "-byte data buffer (the file is truncated?)");
  std::vector<const Entry*> order;
  for (const Entry& e : h.entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : order) {
    if (e->begin > covered)
      fail(source, "bytes " + std::to_string(covered) + ".." + std::to_string(e->begin) +
                       " of the data buffer belong to no tensor (a gap before tensor '" + e->name + "')");
    if (e->begin < covered)
      fail(source, "tensor '" + e->name + "' (data_offsets " + offsets_str(*e) + ") overlaps tensor '" +
                       previous->name + "' (data_offsets " + offsets_str(*previous) + ")");
    covered = e->end;
    previous = e;
  }
  if (covered != buffer_size)
    fail(source, std::to_string(buffer_size - covered) + " trailing bytes after the last tensor (the data buffer holds " +
                     std::to_string(buffer_size) + " bytes, the tensors cover " + std::to_string(covered) + ")");
  return h;
}

/// Makes the CPU tensors; `fill(entry, destination)` supplies each tensor's bytes.
std::map<std::string, Tensor> build_tensors(const Header& h, const std::string& source,
                                            const std::function<void(const Entry&, uint8_t*)>& fill) {
  std::map<std::string, Tensor> out;
  for (const Entry& e : h.entries) {
    Tensor t = detail::host_empty(e.shape, e.dtype);
    if (e.end > e.begin) {
      uint8_t* dst = detail::host_data(t);
      fill(e, dst);
      if (e.dtype == DType::boolean)
        for (uint64_t i = 0; i < e.end - e.begin; ++i)
          if (dst[i] > 1)
            fail(source, "BOOL tensor '" + e.name + "' holds byte " + std::to_string(dst[i]) + " at element " +
                             std::to_string(i) + "; booleans must be 0 or 1");
    }
    out.emplace(e.name, std::move(t));
  }
  return out;
}

struct FdGuard {
  int fd = -1;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

/// Reads exactly `size` bytes at `offset`; false on a short read.
bool read_at(int fd, void* dst, uint64_t size, uint64_t offset) {
  auto* p = static_cast<uint8_t*>(dst);
  while (size > 0) {
    ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<uint64_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

}  // namespace

const char* safetensors_dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::f16: return "F16";
    case DType::bf16: return "BF16";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
    case DType::u8: return "U8";
    case DType::boolean: return "BOOL";
  }
  throw Error("[safetensors_dtype_name] unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

std::map<std::string, Tensor> load_safetensors_from_memory(std::string_view bytes, Metadata* metadata,
                                                           const std::string& source) {
  if (bytes.size() < 8)
    fail(source, "only " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  const auto* base = reinterpret_cast<const unsigned char*>(bytes.data());
  uint64_t n = check_header_length(base, bytes.size(), source);
  Header h = parse_header(bytes.substr(8, n), bytes.size() - 8 - n, source);
  const unsigned char* buffer = base + 8 + n;
  auto out = build_tensors(h, source, [&](const Entry& e, uint8_t* dst) {
    std::memcpy(dst, buffer + e.begin, e.end - e.begin);
  });
  if (metadata) *metadata = std::move(h.metadata);
  return out;
}

std::map<std::string, Tensor> load_safetensors(const std::string& path, Metadata* metadata) {
  const std::string source = "file '" + path + "'";
  FdGuard f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) fail(source, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail(source, std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) fail(source, "is a directory, not a safetensors file");
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < 8) fail(source, "only " + std::to_string(size) + " bytes, too short for the 8-byte header length");

  unsigned char prefix[8];
  if (!read_at(f.fd, prefix, 8, 0)) fail(source, "cannot read the header length");
  uint64_t n = check_header_length(prefix, size, source);
  std::string text(n, '\0');
  if (!read_at(f.fd, text.data(), n, 8)) fail(source, "cannot read the " + std::to_string(n) + "-byte header");
  Header h = parse_header(text, size - 8 - n, source);
  // Read each tensor straight into its storage: no second copy of the whole file.
  auto out = build_tensors(h, source, [&](const Entry& e, uint8_t* dst) {
    if (!read_at(f.fd, dst, e.end - e.begin, 8 + n + e.begin))
      fail(source, "cannot read the data of tensor '" + e.name + "' (did the file change while it was read?)");
  });
  if (metadata) *metadata = std::move(h.metadata);
  return out;
}

std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors, const Metadata& metadata) {
  auto bad = [](const std::string& what) { throw Error("[save_safetensors] " + what); };
  std::vector<Tensor> host;
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!json::is_valid_utf8(k) || !json::is_valid_utf8(v))
        bad("metadata key '" + k + "' or its value is not valid UTF-8");
      if (!first) header += ",";
      header += json::quote(k);
      header += ":";
      header += json::quote(v);
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") bad("a tensor cannot be named \"__metadata__\" (the format reserves it)");
    if (!json::is_valid_utf8(name)) bad("tensor name '" + name + "' is not valid UTF-8");
    if (!t.defined()) bad("tensor '" + name + "' is undefined");
    Tensor h = detail::host_contiguous(t);
    uint64_t bytes = detail::host_nbytes(h);
    if (header.size() > 1) header += ",";
    header += json::quote(name) + ":{\"dtype\":\"" + safetensors_dtype_name(h.dtype()) + "\",\"shape\":[";
    for (size_t i = 0; i < h.shape().size(); ++i) {
      if (i) header += ",";
      header += std::to_string(h.shape()[i]);
    }
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
    host.push_back(std::move(h));
  }
  header += "}";
  // Pad with spaces so the data buffer starts 8-byte aligned (the format allows it).
  while ((8 + header.size()) % 8 != 0) header += ' ';

  std::string out;
  out.reserve(8 + header.size() + offset);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  out += header;
  for (const Tensor& h : host)
    if (h.numel() > 0) out.append(reinterpret_cast<const char*>(detail::host_data(h)), detail::host_nbytes(h));
  return out;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const Metadata& metadata) {
  write_file_atomically(path, serialize_safetensors(tensors, metadata));
}

}  // namespace silica::io
