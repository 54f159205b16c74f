// safetensors: round trips of every dtype, the exact byte layout, every malformed-file
// error, atomic saves that keep the old file on failure, and a file written by the
// Hugging Face library (tests/fixtures/hf_fixture.safetensors, when present).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/host_tensor.h"
#include "io/json.h"
#include "silica/error.h"
#include "test_support.h"
#include "silica/io/atomic_file.h"
#include "silica/io/safetensors.h"
#include "silica/silica.h"

using namespace silica;
namespace fs = std::filesystem;
using silica::testing::error_of;
using silica::testing::TempDir;

namespace {

std::string slurp(const std::string& path) { return io::read_file(path); }

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A file image: length prefix, `header` verbatim, then `data`.
std::string st_file(const std::string& header, const std::string& data = "") {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + data;
}

std::string bytes_of(const Tensor& t) {
  Tensor h = detail::host_contiguous(t);
  return std::string(reinterpret_cast<const char*>(detail::host_data(h)), detail::host_nbytes(h));
}

/// Message of loading `image` from memory; must be a load_safetensors error.
std::string load_error(const std::string& image) {
  return error_of([&] { io::load_safetensors_from_memory(image); });
}

#define EXPECT_LOAD_ERROR(image, fragment)                                    \
  do {                                                                        \
    std::string msg_ = load_error(image);                                     \
    EXPECT_NE(msg_.find("[load_safetensors]"), std::string::npos) << msg_;    \
    EXPECT_NE(msg_.find(fragment), std::string::npos) << msg_;                \
  } while (0)

std::map<std::string, Tensor> every_dtype() {
  std::map<std::string, Tensor> m;
  m["f32"] = from_vector(std::vector<double>{1.5, -2.25, 3.0, 0.0, 1e-7, -1e7}, {2, 3}, DType::f32);
  m["f64"] = from_vector(std::vector<double>{3.141592653589793, -1e-300, 2.0, 4.5}, {4}, DType::f64);
  m["f16"] = from_vector(std::vector<double>{0.5, -1.0, 65504.0}, {3}, DType::f16);
  m["bf16"] = from_vector(std::vector<double>{1.0, -0.5, 3.0, 256.0}, {2, 2}, DType::bf16);
  m["i32"] = from_vector(std::vector<int32_t>{-3, 0, 7, 2147483647, -2147483647 - 1}, {5}, DType::i32);
  m["i64"] = from_vector(std::vector<int64_t>{int64_t{1} << 40, -5}, {2}, DType::i64);
  m["u8"] = from_vector(std::vector<double>{0, 200, 255}, {3, 1}, DType::u8);
  m["bool"] = from_vector(std::vector<double>{1, 0, 0, 1}, {2, 2}, DType::boolean);
  m["scalar"] = scalar(2.5, DType::f32);
  m["empty"] = zeros({0, 3}, DType::f32);
  m["cube"] = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}, DType::f64);
  return m;
}

void expect_same(const std::map<std::string, Tensor>& a, const std::map<std::string, Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    const Tensor& u = b.at(name);
    EXPECT_EQ(u.dtype(), t.dtype()) << name;
    EXPECT_EQ(u.shape(), t.shape()) << name;
    EXPECT_TRUE(u.device().is_cpu()) << name;
    EXPECT_EQ(bytes_of(u), bytes_of(t)) << name;
  }
}

}  // namespace

// ---- Round trips and layout ----

TEST(Safetensors, RoundTripEveryDtype) {
  TempDir dir;
  auto tensors = every_dtype();
  io::Metadata meta = {{"format", "pt"}, {"note", "quote \" backslash \\ newline \n unicode \xC3\xA9"}};
  io::save_safetensors(dir.file("all.safetensors"), tensors, meta);
  io::Metadata loaded_meta;
  auto loaded = io::load_safetensors(dir.file("all.safetensors"), &loaded_meta);
  expect_same(tensors, loaded);
  EXPECT_EQ(loaded_meta, meta);
  EXPECT_FALSE(fs::exists(dir.file("all.safetensors.tmp")));

  // The same from memory.
  auto from_memory = io::load_safetensors_from_memory(io::serialize_safetensors(tensors, meta));
  expect_same(tensors, from_memory);

  // Values survive, not only bytes.
  EXPECT_EQ(loaded["f16"].to_vector<double>(), (std::vector<double>{0.5, -1.0, 65504.0}));
  EXPECT_EQ(loaded["bf16"].to_vector<double>(), (std::vector<double>{1.0, -0.5, 3.0, 256.0}));
  EXPECT_EQ(loaded["i64"].to_vector<int64_t>(), (std::vector<int64_t>{int64_t{1} << 40, -5}));
  EXPECT_EQ(loaded["scalar"].dim(), 0);
  EXPECT_EQ(loaded["scalar"].item(), 2.5);
  EXPECT_EQ(loaded["empty"].numel(), 0);
}

TEST(Safetensors, NonContiguousAndOddNamesRoundTrip) {
  Tensor base = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, DType::f32);
  std::map<std::string, Tensor> m = {{"t\"r\\a\tn\xE2\x82\xAC", base.transpose(0, 1)}, {"", base.narrow(1, 1, 2)}};
  auto loaded = io::load_safetensors_from_memory(io::serialize_safetensors(m));
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded.begin()->first, "");
  EXPECT_EQ(loaded[""].to_vector<float>(), (std::vector<float>{2, 3, 5, 6}));
  EXPECT_EQ(loaded["t\"r\\a\tn\xE2\x82\xAC"].to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Safetensors, ExactByteLayout) {
  // Sorted names, header padded with spaces so the data starts 8-byte aligned, tensors
  // back to back in header order.
  std::map<std::string, Tensor> m = {{"b", from_vector(std::vector<double>{1, 2}, {2}, DType::f32)},
                                     {"a", from_vector(std::vector<double>{3}, {1}, DType::u8)}};
  std::string image = io::serialize_safetensors(m);
  std::string json = R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                     R"("b":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}})";
  while ((8 + json.size()) % 8) json += ' ';
  float two[2] = {1.0f, 2.0f};
  std::string data = std::string(1, '\3') + std::string(reinterpret_cast<const char*>(two), 8);
  EXPECT_EQ(image, st_file(json, data));

  std::string with_meta = io::serialize_safetensors(m, {{"k", "v"}});
  EXPECT_EQ(with_meta.find(R"({"__metadata__":{"k":"v"},"a":)"), 8u);
  EXPECT_EQ(with_meta.size() % 8, 9u % 8);  // 8 + N is a multiple of 8, then 9 data bytes
}

TEST(Safetensors, AcceptsValidVariants) {
  // Padding with trailing spaces, metadata anywhere, unknown keys in an entry, an empty file.
  std::string data(4, '\0');
  auto t = io::load_safetensors_from_memory(
      st_file(R"({"x":{"data_offsets":[0,4],"shape":[],"dtype":"F32","extra":1},"__metadata__":{}}     )", data));
  EXPECT_EQ(t.at("x").dim(), 0);
  EXPECT_EQ(io::load_safetensors_from_memory(st_file("{}")).size(), 0u);
  // Two empty tensors at the same offset are fine.
  auto e = io::load_safetensors_from_memory(st_file(
      R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"I64","shape":[2,0],"data_offsets":[0,0]}})"));
  EXPECT_EQ(e.at("b").shape(), (Shape{2, 0}));
}

// ---- Malformed files ----

TEST(Safetensors, RejectsBadHeaderLength) {
  EXPECT_LOAD_ERROR(std::string("\1\0\0", 3), "too short");
  std::string huge(8, '\0');
  uint64_t n = 100'000'001;
  std::memcpy(huge.data(), &n, 8);
  EXPECT_LOAD_ERROR(huge + "{}", "exceeds the limit of 100000000 bytes");
  std::string beyond = st_file("{}");
  beyond[0] = 40;  // claims 40 header bytes, has 2
  EXPECT_LOAD_ERROR(beyond, "goes past the end of the file");
}

TEST(Safetensors, RejectsBadJson) {
  EXPECT_LOAD_ERROR(st_file(R"({"a":)"), "not valid JSON");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},})"), "not valid JSON");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}} x)"), "not valid JSON");
  EXPECT_LOAD_ERROR(st_file("[1,2]"), "must be a JSON object");
  EXPECT_LOAD_ERROR(st_file(" {}"), "must be a JSON object");
  EXPECT_LOAD_ERROR(st_file("{\"\xFF\":1}"), "UTF-8");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"F32","shape":[01],"data_offsets":[0,4]}})", "abcd"), "leading zeros");
  EXPECT_LOAD_ERROR(st_file("{\"a\":" + std::string(200, '[')), "nesting deeper than 64 levels");
  EXPECT_LOAD_ERROR(st_file(R"({"a":"\ud800"})"), "surrogate");
  EXPECT_LOAD_ERROR(st_file("{\"a\":\"tab\there\"}"), "control character");
}

TEST(Safetensors, RejectsBadDtypes) {
  EXPECT_LOAD_ERROR(st_file(R"({"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", "abcd"),
                    "tensor 'w' has unknown dtype 'F33'");
  for (const char* official : {"I8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2"}) {
    std::string header = std::string(R"({"w":{"dtype":")") + official + R"(","shape":[0],"data_offsets":[0,0]}})";
    EXPECT_LOAD_ERROR(st_file(header), "Silica does not support");
  }
  EXPECT_LOAD_ERROR(st_file(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", "abcd"), "must be a string");
}

TEST(Safetensors, RejectsBadOffsetsAndSizes) {
  const std::string f32x1 = R"("dtype":"F32","shape":[1])";
  // Out of range.
  EXPECT_LOAD_ERROR(st_file(R"({"a":{)" + f32x1 + R"(,"data_offsets":[0,4]}})", "ab"), "go past the end");
  // Overlapping.
  EXPECT_LOAD_ERROR(st_file(R"({"a":{)" + f32x1 + R"(,"data_offsets":[0,4]},"b":{)" + f32x1 +
                                R"(,"data_offsets":[2,6]}})",
                            std::string(6, 'x')),
                    "overlaps");
  // A gap between tensors, and before the first one.
  EXPECT_LOAD_ERROR(st_file(R"({"a":{)" + f32x1 + R"(,"data_offsets":[0,4]},"b":{)" + f32x1 +
                                R"(,"data_offsets":[6,10]}})",
                            std::string(10, 'x')),
                    "belong to no tensor");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{)" + f32x1 + R"(,"data_offsets":[2,6]}})", std::string(6, 'x')),
                    "bytes 0..2 of the data buffer belong to no tensor");
  // Trailing bytes after the last tensor.
  EXPECT_LOAD_ERROR(st_file(R"({"a":{)" + f32x1 + R"(,"data_offsets":[0,4]}})", std::string(7, 'x')),
                    "3 trailing bytes");
  // Size disagreeing with shape x dtype.
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", std::string(8, 'x')),
                    "needs 16 bytes, but its data_offsets [0, 8] hold 8");
  // Reversed, malformed and missing offsets, bad shapes.
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})", "abcd"), "end before");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0]}})", "abcd"), "[begin, end]");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","shape":[4]}})", "abcd"), "lacks \"data_offsets\"");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","shape":[-4],"data_offsets":[0,4]}})", "abcd"), "non-negative");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","shape":[2.0],"data_offsets":[0,2]}})", "ab"), "non-negative");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","shape":4,"data_offsets":[0,4]}})", "abcd"), "must be an array");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                            std::string(8, 'x')),
                    "too large");
  // Empty, but with sizes whose product would overflow the strides.
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})"),
                    "too large");
  EXPECT_LOAD_ERROR(st_file(R"({"a":[1,2]})"), "must be described by an object");
}

TEST(Safetensors, RejectsDuplicatesAndBadMetadata) {
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                            R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                            "ab"),
                    "duplicate tensor name 'a'");
  EXPECT_LOAD_ERROR(st_file(R"({"__metadata__":{"epoch":3}})"), "value of 'epoch' must be a string");
  EXPECT_LOAD_ERROR(st_file(R"({"__metadata__":["x"]})"), "must be an object of strings");
  EXPECT_LOAD_ERROR(st_file(R"({"__metadata__":{"k":"a","k":"b"}})"), "has key 'k' twice");
  EXPECT_LOAD_ERROR(st_file(R"({"__metadata__":{},"__metadata__":{}})"), "appears twice");
  EXPECT_LOAD_ERROR(st_file(R"({"a":{"dtype":"U8","dtype":"U8","shape":[0],"data_offsets":[0,0]}})"),
                    "has key \"dtype\" twice");
  // Booleans must be 0 or 1.
  EXPECT_LOAD_ERROR(st_file(R"({"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", std::string("\1\2", 2)),
                    "must be 0 or 1");
}

TEST(Safetensors, FileErrorsNameTheFile) {
  TempDir dir;
  const std::string path = dir.file("broken.safetensors");
  write_bytes(path, st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234"));
  std::string msg = error_of([&] { io::load_safetensors(path); });
  EXPECT_NE(msg.find("[load_safetensors] file '" + path + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("go past the end"), std::string::npos) << msg;
  msg = error_of([&] { io::load_safetensors(dir.file("missing.safetensors")); });
  EXPECT_NE(msg.find("missing.safetensors"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
  msg = error_of([&] { io::load_safetensors(dir.path()); });
  EXPECT_NE(msg.find("is a directory"), std::string::npos) << msg;
}

TEST(Safetensors, SaveRefusesBadNames) {
  Tensor t = zeros({1});
  EXPECT_NE(error_of([&] { io::serialize_safetensors({{"__metadata__", t}}); }).find("reserves"), std::string::npos);
  EXPECT_NE(error_of([&] { io::serialize_safetensors({{"bad\xFF", t}}); }).find("UTF-8"), std::string::npos);
  EXPECT_NE(error_of([&] { io::serialize_safetensors({{"u", Tensor()}}); }).find("undefined"), std::string::npos);
}

// ---- Atomic saves ----

TEST(AtomicFile, ReplacesTheFileAndLeavesNoTemporary) {
  TempDir dir;
  const std::string path = dir.file("w.safetensors");
  io::save_safetensors(path, {{"a", zeros({3})}});
  io::save_safetensors(path, {{"b", ones({2})}});
  auto loaded = io::load_safetensors(path);
  EXPECT_EQ(loaded.size(), 1u);
  EXPECT_TRUE(loaded.count("b"));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(AtomicFile, FailedSaveKeepsTheOldFile) {
  TempDir dir;
  const std::string path = dir.file("w.safetensors");
  io::save_safetensors(path, {{"old", ones({4})}});
  const std::string before = slurp(path);

  // The temporary cannot be created (something else sits at <path>.tmp).
  fs::create_directory(path + ".tmp");
  std::string msg = error_of([&] { io::save_safetensors(path, {{"new", zeros({4})}}); });
  EXPECT_NE(msg.find("[write_file_atomically] cannot write '" + path + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unchanged"), std::string::npos) << msg;
  EXPECT_EQ(slurp(path), before);
  fs::remove(path + ".tmp");

  // The write fails half way (file size limit): EFBIG instead of SIGXFSZ.
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  ::getrlimit(RLIMIT_FSIZE, &old_limit);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  msg = error_of([&] { io::save_safetensors(path, {{"big", zeros({100000})}}); });
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(msg.find("failed after"), std::string::npos) << msg;
  EXPECT_EQ(slurp(path), before);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(io::load_safetensors(path).count("old"), 1u);
}

TEST(AtomicFile, PathThatIsADirectoryIsRefused) {
  TempDir dir;
  const std::string path = dir.file("sub");
  fs::create_directory(path);
  std::string msg = error_of([&] { io::save_safetensors(path, {{"a", zeros({2})}}); });
  EXPECT_NE(msg.find("renaming"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  // A missing directory names the path.
  msg = error_of([&] { io::write_file_atomically(dir.file("no/such/dir/f"), "x"); });
  EXPECT_NE(msg.find("no/such/dir/f"), std::string::npos) << msg;
}

TEST(AtomicFile, ReadOnlyDirectoryKeepsTheOldFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: permission bits do not stop root from writing";
  TempDir dir;
  const std::string path = dir.file("w.bin");
  io::write_file_atomically(path, "old");
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  std::string msg = error_of([&] { io::write_file_atomically(path, "new"); });
  fs::permissions(dir.path(), fs::perms::owner_all);
  EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
  EXPECT_EQ(slurp(path), "old");
}

// ---- Interoperability with the Hugging Face implementation ----

#ifndef SILICA_FIXTURES_DIR
#define SILICA_FIXTURES_DIR "tests/fixtures"
#endif

TEST(Safetensors, ReadsTheHuggingFaceFixture) {
  const std::string dir = SILICA_FIXTURES_DIR;
  const std::string st_path = dir + "/hf_fixture.safetensors";
  if (!fs::exists(st_path))
    GTEST_SKIP() << st_path << " is absent: run tests/fixtures/make_safetensors_fixture.py on a machine with "
                 << "`pip install safetensors numpy` and commit hf_fixture.safetensors and hf_fixture.json";
  const io::json::Value expected = io::json::parse(io::read_file(dir + "/hf_fixture.json"));
  io::Metadata metadata;
  auto tensors = io::load_safetensors(st_path, &metadata);

  auto member = [](const io::json::Value& obj, const std::string& key) -> const io::json::Value& {
    for (const auto& m : obj.members)
      if (m.key == key) return m.value;
    throw Error("fixture JSON lacks key " + key);
  };
  io::Metadata expected_meta;
  for (const auto& m : member(expected, "metadata").members) expected_meta[m.key] = m.value.text;
  EXPECT_EQ(metadata, expected_meta);

  const auto& expected_tensors = member(expected, "tensors");
  EXPECT_EQ(tensors.size(), expected_tensors.members.size());
  for (const auto& m : expected_tensors.members) {
    SCOPED_TRACE(m.key);
    ASSERT_TRUE(tensors.count(m.key));
    const Tensor& t = tensors.at(m.key);
    EXPECT_STREQ(io::safetensors_dtype_name(t.dtype()), member(m.value, "dtype").text.c_str());
    Shape shape;
    for (const auto& d : member(m.value, "shape").items) shape.push_back(std::stoll(d.text));
    EXPECT_EQ(t.shape(), shape);
    const auto& values = member(m.value, "values").items;
    ASSERT_EQ(static_cast<int64_t>(values.size()), t.numel());
    if (t.dtype() == DType::i64 || t.dtype() == DType::i32) {
      std::vector<int64_t> got = t.to_vector<int64_t>();
      for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(got[i], std::stoll(values[i].text)) << i;
    } else if (t.dtype() == DType::boolean) {
      std::vector<uint8_t> got = bytes_of(t).empty() ? std::vector<uint8_t>{} : t.to_vector<uint8_t>();
      for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(got[i] != 0, values[i].boolean) << i;
    } else {
      std::vector<double> got = t.to_vector<double>();
      for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(got[i], std::stod(values[i].text)) << i;
    }
  }
}
