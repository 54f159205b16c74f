// IDX files (plain and gzip): every type code, big-endian conversion, every malformed-file
// error, the MNIST-like directory loader, and the real Fashion-MNIST when installed.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "silica/data/idx.h"
#include "silica/data/mnist.h"
#include "silica/error.h"
#include "test_support.h"
#include "silica/silica.h"

using namespace silica;
namespace fs = std::filesystem;
using silica::testing::error_of;
using silica::testing::TempDir;

namespace {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// An IDX image: magic (0, 0, type, ndim), big-endian dims, then `payload` verbatim.
std::string idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, const std::string& payload) {
  std::string out = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((d >> s) & 0xFF);
  return out + payload;
}

std::string gzip(const std::string& bytes) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, bytes.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

/// Big-endian bytes of each value's raw representation.
template <typename T>
std::string big_endian(const std::vector<T>& values) {
  std::string out;
  for (T v : values) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    for (size_t i = sizeof(T); i-- > 0;) out += static_cast<char>(raw[i]);
  }
  return out;
}

std::string u8_payload(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>((i * 7) & 0xFF);
  return s;
}

}  // namespace

TEST(Idx, ReadsU8PlainAndGzip) {
  TempDir dir;
  std::string image = idx_bytes(0x08, {2, 3, 4}, u8_payload(24));
  write_bytes(dir.file("a"), image);
  write_bytes(dir.file("a.gz"), gzip(image));
  for (const char* name : {"a", "a.gz"}) {
    Tensor t = data::read_idx(dir.file(name));
    EXPECT_EQ(t.dtype(), DType::u8);
    EXPECT_EQ(t.shape(), (Shape{2, 3, 4}));
    std::vector<uint8_t> v = t.to_vector<uint8_t>();
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], (i * 7) & 0xFF);
  }
  // Concatenated gzip members (what `cat a.gz b.gz` makes) decompress as one stream.
  std::string half1 = image.substr(0, 10), half2 = image.substr(10);
  EXPECT_EQ(data::parse_idx(gzip(half1) + gzip(half2)).to_vector<uint8_t>(), data::parse_idx(image).to_vector<uint8_t>());
}

TEST(Idx, ConvertsEveryTypeFromBigEndian) {
  Tensor i8 = data::parse_idx(idx_bytes(0x09, {3}, std::string("\xFF\x00\x7F", 3)));
  EXPECT_EQ(i8.dtype(), DType::i32);
  EXPECT_EQ(i8.to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 127}));
  Tensor i16 = data::parse_idx(idx_bytes(0x0B, {3}, big_endian<int16_t>({-2, 300, 32767})));
  EXPECT_EQ(i16.to_vector<int32_t>(), (std::vector<int32_t>{-2, 300, 32767}));
  Tensor i32 = data::parse_idx(idx_bytes(0x0C, {2, 1}, big_endian<int32_t>({-70000, 2147483647})));
  EXPECT_EQ(i32.shape(), (Shape{2, 1}));
  EXPECT_EQ(i32.to_vector<int32_t>(), (std::vector<int32_t>{-70000, 2147483647}));
  Tensor f32 = data::parse_idx(idx_bytes(0x0D, {2}, big_endian<float>({1.5f, -0.25f})));
  EXPECT_EQ(f32.dtype(), DType::f32);
  EXPECT_EQ(f32.to_vector<float>(), (std::vector<float>{1.5f, -0.25f}));
  Tensor f64 = data::parse_idx(idx_bytes(0x0E, {1}, big_endian<double>({3.141592653589793})));
  EXPECT_EQ(f64.dtype(), DType::f64);
  EXPECT_EQ(f64.to_vector<double>(), (std::vector<double>{3.141592653589793}));
  Tensor empty = data::parse_idx(idx_bytes(0x08, {0, 28, 28}, ""));
  EXPECT_EQ(empty.shape(), (Shape{0, 28, 28}));
}

TEST(Idx, RejectsMalformedFiles) {
  auto expect_error = [](const std::string& bytes, const std::string& fragment) {
    std::string msg = error_of([&] { data::parse_idx(bytes, "file 'x.idx'"); });
    EXPECT_NE(msg.find("[read_idx] file 'x.idx'"), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
  };
  expect_error(std::string("\0\0", 2), "too short");
  expect_error(idx_bytes(0x08, {1}, "a").replace(0, 1, "\1"), "two zero bytes");
  expect_error(idx_bytes(0x07, {1}, "a"), "unknown IDX type code 0x07");
  expect_error(idx_bytes(0x08, {}, "a"), "has 0 dimensions");
  expect_error(idx_bytes(0x08, {1, 1, 1, 1, 1, 1, 1, 1, 1}, "a"), "has 9 dimensions");
  expect_error(idx_bytes(0x08, {2, 3}, "").substr(0, 9), "its header needs 12 bytes, found 9");
  expect_error(idx_bytes(0x08, {3, 4}, "12345"), "is truncated: expected 12 bytes of data, found 5");
  expect_error(idx_bytes(0x0D, {3}, "12345678"), "is truncated: expected 12 bytes of data, found 8");
  expect_error(idx_bytes(0x08, {2}, "abc"), "1 trailing bytes after the 2 bytes of data");
  expect_error(idx_bytes(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, ""), "too large");
  expect_error(idx_bytes(0x08, {0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, ""), "too large");
  // Gzip problems.
  std::string gz = gzip(idx_bytes(0x08, {4}, "abcd"));
  expect_error(gz.substr(0, gz.size() - 6), "truncated");
  std::string corrupt = gz;
  corrupt[12] = static_cast<char>(corrupt[12] ^ 0x55);
  expect_error(corrupt, "gzip");
  expect_error(gz + "junk", "4 trailing bytes after the gzip data");
  expect_error(gzip(idx_bytes(0x08, {4}, "abc")), "is truncated: expected 4 bytes of data, found 3");
}

TEST(Idx, FileErrorsNameTheFile) {
  TempDir dir;
  write_bytes(dir.file("short-idx3-ubyte"), idx_bytes(0x08, {10, 28, 28}, u8_payload(100)));
  std::string msg = error_of([&] { data::read_idx(dir.file("short-idx3-ubyte")); });
  EXPECT_NE(msg.find("[read_idx] file '" + dir.file("short-idx3-ubyte") +
                     "' is truncated: expected 7840 bytes of data, found 100"),
            std::string::npos)
      << msg;
  msg = error_of([&] { data::read_idx(dir.file("missing")); });
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
}

// ---- MNIST-like directories ----

namespace {
/// Writes a small MNIST-like split: n images of h x w and their labels.
void write_split(const TempDir& dir, const std::string& prefix, uint32_t n, uint32_t labels_n, bool gz,
                 uint8_t max_label = 9) {
  std::string images = idx_bytes(0x08, {n, 3, 2}, u8_payload(n * 6));
  std::string labels_payload;
  for (uint32_t i = 0; i < labels_n; ++i) labels_payload += static_cast<char>(i % (max_label + 1));
  std::string labels = idx_bytes(0x08, {labels_n}, labels_payload);
  std::string suffix = gz ? ".gz" : "";
  write_bytes(dir.file(prefix + "-images-idx3-ubyte" + suffix), gz ? gzip(images) : images);
  write_bytes(dir.file(prefix + "-labels-idx1-ubyte" + suffix), gz ? gzip(labels) : labels);
}
}  // namespace

TEST(Mnist, LoadsPlainAndGzipSplits) {
  TempDir dir;
  write_split(dir, "train", 12, 12, /*gz=*/true);
  write_split(dir, "t10k", 5, 5, /*gz=*/false);
  data::MnistSplit train = data::load_mnist_like(dir.path(), true);
  EXPECT_EQ(train.images.shape(), (Shape{12, 3, 2}));
  EXPECT_EQ(train.labels.shape(), (Shape{12}));
  data::MnistSplit test = data::load_mnist_like(dir.path(), false);
  EXPECT_EQ(test.images.size(0), 5);
  data::FashionMnist ds(dir.path(), true);
  EXPECT_EQ(ds.size(), 12);
  EXPECT_EQ(ds.inputs().shape(), (Shape{12, 1, 3, 2}));
  EXPECT_EQ(ds.get(11).label, 11 % 10);
  EXPECT_EQ(ds.labels().dtype(), DType::i64);
}

TEST(Mnist, ChecksCountsAndLabels) {
  TempDir dir;
  write_split(dir, "train", 12, 11, false);
  std::string msg = error_of([&] { data::load_mnist_like(dir.path(), true); });
  EXPECT_NE(msg.find("holds 12 images but"), std::string::npos) << msg;
  EXPECT_NE(msg.find("holds 11 labels"), std::string::npos) << msg;
  write_split(dir, "train", 12, 12, false, /*max_label=*/10);
  msg = error_of([&] { data::load_mnist_like(dir.path(), true); });
  EXPECT_NE(msg.find("label 10 is 10, outside the classes 0..9"), std::string::npos) << msg;
}

TEST(Mnist, MissingDataSaysHowToGetIt) {
  TempDir dir;
  std::string msg = error_of([&] { data::load_mnist_like(dir.file("nowhere"), true); });
  EXPECT_NE(msg.find("[load_mnist_like] dataset directory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("apt-get install dataset-fashion-mnist"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--data-dir"), std::string::npos) << msg;
  write_split(dir, "train", 2, 2, false);
  fs::remove(dir.file("train-labels-idx1-ubyte"));
  msg = error_of([&] { data::load_mnist_like(dir.path(), true); });
  EXPECT_NE(msg.find("neither train-labels-idx1-ubyte nor train-labels-idx1-ubyte.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("apt-get install dataset-fashion-mnist"), std::string::npos) << msg;
}

TEST(Mnist, RealFashionMnistWhenInstalled) {
  if (!fs::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz") &&
      !fs::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte"))
    GTEST_SKIP() << "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)";
  data::MnistSplit train = data::load_mnist_like(data::kFashionMnistDir, true);
  EXPECT_EQ(train.images.shape(), (Shape{60000, 28, 28}));
  EXPECT_EQ(train.labels.shape(), (Shape{60000}));
  std::vector<int64_t> counts(10, 0);
  for (uint8_t l : train.labels.to_vector<uint8_t>()) ++counts[l];
  for (int64_t c : counts) EXPECT_EQ(c, 6000);  // Fashion-MNIST is balanced
  data::MnistSplit test = data::load_mnist_like(data::kFashionMnistDir, false);
  EXPECT_EQ(test.images.shape(), (Shape{10000, 28, 28}));
  EXPECT_EQ(data::fashion_mnist_classes().at(9), "Ankle boot");
}
