// silica-spirv-bf16 (plugins/vulkan/tools/spirv_bf16.cpp) on small hand-assembled modules:
// the 16-bit float type re-encoded, the capabilities and extension declared, everything
// else kept word for word, and modules it must not touch refused with the reason; then the
// re-encoded module embedded by plugins/vulkan/cmake/spirv_header.cmake, as the build does.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using Words = std::vector<uint32_t>;

// One instruction: word count and opcode, then the operands.
Words op(uint32_t code, Words operands) {
  operands.insert(operands.begin(), static_cast<uint32_t>(operands.size() + 1) << 16 | code);
  return operands;
}

// A module declaring a subgroup-scope 16 x 16 cooperative matrix (use A) of 16-bit floats
// (id 1), plus `extra` instructions. Id 7's constant is 1, the float type's id, as a
// literal: it must not count as a use.
Words module(const std::vector<Words>& extra = {}) {
  Words w = {0x07230203u, 0x00010300u, 0u, 20u, 0u};
  for (const Words& i :
       {op(17, {1}), op(17, {6022}),
        op(10, {0x5f565053u, 0x5f52484bu, 0x706f6f63u, 0x74617265u, 0x5f657669u, 0x7274616du,
                0x00007869u}),  // "SPV_KHR_cooperative_matrix"
        op(14, {0, 1}), op(22, {1, 16}), op(21, {2, 32, 0}), op(43, {2, 3, 3}), op(43, {2, 4, 16}),
        op(43, {2, 5, 0}), op(4456, {6, 1, 3, 4, 4, 5}), op(43, {2, 7, 1})})
    w.insert(w.end(), i.begin(), i.end());
  for (const Words& i : extra) w.insert(w.end(), i.begin(), i.end());
  return w;
}

std::string temp(const char* name) { return ::testing::TempDir() + "spirv_bf16_" + name; }

void write(const std::string& path, const Words& w) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(w.data()), w.size() * 4);
}

Words read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Words w(b.size() / 4);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<uint8_t>(b[4 * i]) | static_cast<uint8_t>(b[4 * i + 1]) << 8 |
           static_cast<uint8_t>(b[4 * i + 2]) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(b[4 * i + 3])) << 24;
  return w;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs the tool on `in`; returns its exit status, its messages in *err.
int run(const Words& in, std::string* err) {
  write(temp("in.spv"), in);
  const std::string cmd = std::string(SILICA_SPIRV_BF16) + " " + temp("in.spv") + " " + temp("out.spv") +
                          " 2> " + temp("err.txt");
  const int status = std::system(cmd.c_str());
  *err = slurp(temp("err.txt"));
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The module's instructions, split.
std::vector<Words> instructions(const Words& w) {
  std::vector<Words> list;
  for (size_t i = 5; i < w.size() && (w[i] >> 16) > 0; i += w[i] >> 16)
    list.emplace_back(w.begin() + i, w.begin() + i + (w[i] >> 16));
  return list;
}

TEST(SpirvBf16, ReencodesTheTypeAndDeclaresTheExtension) {
  std::string err;
  const Words in = module();
  ASSERT_EQ(run(in, &err), 0) << err;
  const Words out = read(temp("out.spv"));
  const std::vector<Words> a = instructions(in), b = instructions(out);
  ASSERT_EQ(b.size(), a.size() + 3);
  EXPECT_EQ(Words(out.begin(), out.begin() + 5), Words(in.begin(), in.begin() + 5));
  // Capabilities, then the two new ones, the old extension, the new one, and the rest
  // with OpTypeFloat 16 given its encoding (BFloat16KHR = 0).
  EXPECT_EQ(b[0], a[0]);
  EXPECT_EQ(b[1], a[1]);
  EXPECT_EQ(b[2], op(17, {5116}));
  EXPECT_EQ(b[3], op(17, {5118}));
  EXPECT_EQ(b[4], a[2]);
  EXPECT_EQ(b[5], op(10, {0x5f565053u, 0x5f52484bu, 0x6f6c6662u, 0x36317461u, 0u}));  // "SPV_KHR_bfloat16"
  EXPECT_EQ(b[6], a[3]);
  EXPECT_EQ(b[7], op(22, {1, 16, 0}));
  for (size_t i = 5; i < a.size(); ++i) EXPECT_EQ(b[i + 3], a[i]) << "instruction " << i;
  // Embedded: the words as the plugin's build writes them.
  const std::string embed = std::string(SILICA_CMAKE) + " -DIN=" + temp("out.spv") +
                            " -DOUT=" + temp("out.h") + " -DSYMBOL=silica_spv_test -P " + SILICA_SPIRV_HEADER;
  ASSERT_EQ(std::system(embed.c_str()), 0) << embed;
  std::string header;  // without line breaks and indents
  for (char c : slurp(temp("out.h")))
    if (c != '\n' && c != ' ') header += c;
  EXPECT_NE(header.find("constuint32_tsilica_spv_test[]={"), std::string::npos);
  EXPECT_NE(header.find("0x07230203,"), std::string::npos);
  EXPECT_NE(header.find("0x00040016,0x00000001,0x00000010,0x00000000,"), std::string::npos) << header;
}

TEST(SpirvBf16, RefusesOtherUsesOfTheType) {
  std::string err;
  EXPECT_EQ(run(module({op(23, {8, 1, 2})}), &err), 1);  // a vector of it
  EXPECT_NE(err.find("as an element type"), std::string::npos) << err;
  EXPECT_EQ(run(module({op(32, {8, 12, 1})}), &err), 1);  // a pointer to it
  EXPECT_NE(err.find("as a pointee type"), std::string::npos) << err;
  EXPECT_EQ(run(module({op(43, {1, 8, 0x3c00})}), &err), 1);  // a constant of it
  EXPECT_NE(err.find("as a value's type"), std::string::npos) << err;
}

TEST(SpirvBf16, RefusesModulesWithNothingToReencode) {
  std::string err;
  Words no_matrix = module();
  no_matrix.resize(no_matrix.size() - 11);  // drop the matrix type and the last constant
  EXPECT_EQ(run(no_matrix, &err), 1);
  EXPECT_NE(err.find("no cooperative matrix"), std::string::npos) << err;
  EXPECT_EQ(run({0x07230203u, 0x00010300u, 0u, 4u, 0u, (2u << 16) | 17u, 1u}, &err), 1);
  EXPECT_NE(err.find("no 16-bit float type"), std::string::npos) << err;
  EXPECT_EQ(run({0x12345678u, 0u, 0u, 0u, 0u}, &err), 1);
  EXPECT_NE(err.find("magic number"), std::string::npos) << err;
}

}  // namespace
