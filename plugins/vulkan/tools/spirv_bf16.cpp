// silica-spirv-bf16 IN.spv OUT.spv
//
// Writes IN.spv with its 16-bit float type re-encoded as bfloat16 (SPV_KHR_bfloat16) as
// OUT.spv, which cmake/spirv_header.cmake then embeds like any module. The tensor-core
// GEMM moves its f16 operands only as bits and through cooperative-matrix loads and
// products, so the same module with that one type changed multiplies bf16 operands
// natively. It exists because the glslang releases that compile GL_KHR_cooperative_matrix
// but predate GL_EXT_bfloat16 (Debian 13's 15.1, for one) cannot write such a module
// themselves.
//
// The module is refused (exit 1, with the reason) unless it has exactly one 16-bit float
// type and that type appears only as the component type of cooperative matrices: anything
// else (an f16 value, vector, constant, array or pointer) would change meaning.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

// SPIR-V opcodes, capabilities and the encoding used here (the SPIR-V registry's values).
enum : uint32_t {
  kOpExtension = 10,
  kOpTypeFloat = 22,
  kOpTypeVector = 23,
  kOpTypeMatrix = 24,
  kOpTypeArray = 28,
  kOpTypeRuntimeArray = 29,
  kOpTypeStruct = 30,
  kOpTypePointer = 32,
  kOpCapability = 17,
  kOpTypeCooperativeMatrixKHR = 4456,
  kCapabilityBFloat16TypeKHR = 5116,
  kCapabilityBFloat16CooperativeMatrixKHR = 5118,
  kEncodingBFloat16KHR = 0,
};

// Instructions whose first operand is not a result type (debug, annotations, mode setting):
// they are not uses of the type as a value's type.
bool is_preamble(uint32_t op) {
  switch (op) {
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 10:
    case 11:
    case 14:
    case 15:
    case 16:
    case 17:
    case 71:
    case 72:
    case 73:
    case 74:
    case 317:
    case 330:
    case 331:
    case 332:
    case 5632:
    case 5633: return true;
    default: return false;
  }
}

struct Instruction {
  uint32_t op;
  std::vector<uint32_t> words;  // the whole instruction, first word included
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "silica-spirv-bf16: %s\n", what.c_str());
  std::exit(1);
}

std::vector<uint32_t> read_words(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(std::string("cannot open ") + path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 20 || bytes.size() % 4 != 0) fail(std::string(path) + ": not a SPIR-V module (size)");
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  if (words[0] != 0x07230203u) fail(std::string(path) + ": not a SPIR-V module (magic number)");
  return words;
}

std::vector<Instruction> split(const std::vector<uint32_t>& words, const char* path) {
  std::vector<Instruction> list;
  for (size_t i = 5; i < words.size();) {
    const uint32_t count = words[i] >> 16, op = words[i] & 0xffffu;
    if (count == 0 || i + count > words.size()) fail(std::string(path) + ": truncated instruction");
    list.push_back({op, std::vector<uint32_t>(words.begin() + i, words.begin() + i + count)});
    i += count;
  }
  return list;
}

Instruction make(uint32_t op, std::vector<uint32_t> operands) {
  operands.insert(operands.begin(), static_cast<uint32_t>(operands.size() + 1) << 16 | op);
  return {op, operands};
}

// OpExtension's operand: the name, nul-terminated and padded to whole words.
std::vector<uint32_t> literal_string(const std::string& s) {
  std::vector<uint32_t> w(s.size() / 4 + 1, 0u);
  std::memcpy(w.data(), s.data(), s.size());
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: silica-spirv-bf16 IN.spv OUT.spv\n");
    return 2;
  }
  const std::vector<uint32_t> words = read_words(argv[1]);
  std::vector<Instruction> list = split(words, argv[1]);

  // The 16-bit float type, and a check of every use of it.
  uint32_t half = 0;
  for (const Instruction& in : list)
    if (in.op == kOpTypeFloat && in.words.size() == 3 && in.words[2] == 16) {
      if (half != 0) fail(std::string(argv[1]) + ": more than one 16-bit float type");
      half = in.words[1];
    }
  if (half == 0) fail(std::string(argv[1]) + ": no 16-bit float type to re-encode");
  int matrices = 0;
  for (const Instruction& in : list) {
    const std::vector<uint32_t>& w = in.words;
    const auto refuse = [&](const char* how) {
      fail(std::string(argv[1]) + ": the 16-bit float type (id " + std::to_string(half) + ") is used " + how +
           " (opcode " + std::to_string(in.op) + "); only cooperative matrices of it can be re-encoded");
    };
    if (in.op == kOpTypeCooperativeMatrixKHR) {
      matrices += w.size() > 2 && w[2] == half;
      continue;
    }
    if (is_preamble(in.op) || (in.op == kOpTypeFloat && w[1] == half)) continue;
    if (w.size() > 1 && w[1] == half) refuse("as a value's type");
    switch (in.op) {
      case kOpTypeVector:
      case kOpTypeMatrix:
      case kOpTypeArray:
      case kOpTypeRuntimeArray:
        if (w[2] == half) refuse("as an element type");
        break;
      case kOpTypeStruct:
        for (size_t i = 2; i < w.size(); ++i)
          if (w[i] == half) refuse("as a member type");
        break;
      case kOpTypePointer:
        if (w[3] == half) refuse("as a pointee type");
        break;
      default: break;
    }
  }
  if (matrices == 0) fail(std::string(argv[1]) + ": no cooperative matrix of the 16-bit float type");

  // Re-encode the type; declare the capabilities after the last OpCapability and the
  // extension after the last OpExtension (or after the capabilities where there is none).
  std::vector<Instruction> out;
  size_t last_capability = 0, last_extension = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].op == kOpCapability) last_capability = i;
    if (list[i].op == kOpExtension) last_extension = i;
  }
  if (last_extension < last_capability) last_extension = last_capability;
  for (size_t i = 0; i < list.size(); ++i) {
    const Instruction& in = list[i];
    if (in.op == kOpTypeFloat && in.words[1] == half)
      out.push_back(make(kOpTypeFloat, {half, 16, kEncodingBFloat16KHR}));
    else
      out.push_back(in);
    if (i == last_capability) {
      out.push_back(make(kOpCapability, {kCapabilityBFloat16TypeKHR}));
      out.push_back(make(kOpCapability, {kCapabilityBFloat16CooperativeMatrixKHR}));
    }
    if (i == last_extension) out.push_back(make(kOpExtension, literal_string("SPV_KHR_bfloat16")));
  }

  std::vector<uint32_t> result(words.begin(), words.begin() + 5);
  for (const Instruction& in : out) result.insert(result.end(), in.words.begin(), in.words.end());
  std::ofstream spv(argv[2], std::ios::binary);
  spv.write(reinterpret_cast<const char*>(result.data()), static_cast<std::streamsize>(result.size() * 4));
  if (!spv) fail(std::string("cannot write ") + argv[2]);
  return 0;
}
