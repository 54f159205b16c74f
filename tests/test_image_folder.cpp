// Images: PNG/JPEG decoding, grayscale/RGB, resizing and cropping, the image-folder
// dataset layout, and its errors. Test images are written with stb_image_write.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "silica/data/dataloader.h"
#include "silica/data/image_folder.h"
#include "silica/error.h"
#include "test_support.h"
#include "silica/silica.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

using namespace silica;
namespace fs = std::filesystem;
using silica::testing::error_of;
using silica::testing::TempDir;

namespace {

/// Interleaved (H, W, C) pixels.
struct Pixels {
  int w, h, c;
  std::vector<uint8_t> data;
};

Pixels pattern(int w, int h, int c) {
  Pixels p{w, h, c, {}};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) p.data.push_back(static_cast<uint8_t>(y * 40 + x * 7 + k * 90));
  return p;
}

void write_png(const std::string& path, const Pixels& p) {
  ASSERT_TRUE(stbi_write_png(path.c_str(), p.w, p.h, p.c, p.data.data(), p.w * p.c)) << path;
}

void write_jpg(const std::string& path, const Pixels& p) {
  ASSERT_TRUE(stbi_write_jpg(path.c_str(), p.w, p.h, p.c, p.data.data(), 95)) << path;
}

Pixels solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  Pixels p{w, h, 3, std::vector<uint8_t>(static_cast<size_t>(w * h * 3))};
  for (size_t i = 0; i < p.data.size(); i += 3) {
    p.data[i] = r;
    p.data[i + 1] = g;
    p.data[i + 2] = b;
  }
  return p;
}

}  // namespace

TEST(Image, LoadsPngAsChannelsHeightWidth) {
  TempDir dir;
  Pixels p = pattern(6, 4, 3);
  write_png(dir.file("p.png"), p);
  Tensor t = data::load_image(dir.file("p.png"));
  EXPECT_EQ(t.dtype(), DType::u8);
  EXPECT_EQ(t.shape(), (Shape{3, 4, 6}));
  std::vector<uint8_t> v = t.to_vector<uint8_t>();
  for (int k = 0; k < 3; ++k)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 6; ++x)
        EXPECT_EQ(v[static_cast<size_t>((k * 4 + y) * 6 + x)], p.data[static_cast<size_t>((y * 6 + x) * 3 + k)]);
  // A grayscale PNG read as RGB repeats the channel; RGBA drops alpha.
  write_png(dir.file("g.png"), pattern(3, 2, 1));
  EXPECT_EQ(data::load_image(dir.file("g.png")).shape(), (Shape{3, 2, 3}));
  write_png(dir.file("a.png"), pattern(3, 2, 4));
  EXPECT_EQ(data::load_image(dir.file("a.png"), {.channels = 1}).shape(), (Shape{1, 2, 3}));
}

TEST(Image, GrayscaleUsesLuma) {
  TempDir dir;
  write_png(dir.file("r.png"), solid(2, 2, 255, 0, 0));
  write_png(dir.file("g.png"), solid(2, 2, 0, 255, 0));
  write_png(dir.file("w.png"), solid(2, 2, 255, 255, 255));
  EXPECT_EQ(data::load_image(dir.file("r.png"), {.channels = 1}).to_vector<uint8_t>()[0], 76);   // 0.299 * 255
  EXPECT_EQ(data::load_image(dir.file("g.png"), {.channels = 1}).to_vector<uint8_t>()[0], 149);  // 0.587 * 255
  EXPECT_EQ(data::load_image(dir.file("w.png"), {.channels = 1}).to_vector<uint8_t>()[0], 255);
}

TEST(Image, DecodesJpeg) {
  TempDir dir;
  write_jpg(dir.file("c.jpg"), solid(16, 8, 200, 100, 50));
  Tensor t = data::load_image(dir.file("c.jpg"));
  EXPECT_EQ(t.shape(), (Shape{3, 8, 16}));
  std::vector<uint8_t> v = t.to_vector<uint8_t>();
  EXPECT_NEAR(v[0], 200, 3);
  EXPECT_NEAR(v[8 * 16], 100, 3);
  EXPECT_NEAR(v[2 * 8 * 16], 50, 3);
}

TEST(Image, ResizeNearestAndBilinear) {
  Tensor two = from_vector(std::vector<double>{0, 200}, {1, 1, 2}, DType::u8);
  // Pixel centres aligned: output centres at 0.25 and 0.75 of an input pixel interpolate.
  EXPECT_EQ(data::resize_image(two, 1, 4).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 50, 150, 200}));
  EXPECT_EQ(data::resize_image(two, 1, 4, data::ImageResize::nearest).to_vector<uint8_t>(),
            (std::vector<uint8_t>{0, 0, 200, 200}));
  Tensor square = from_vector(std::vector<double>{10, 20, 30, 40}, {1, 2, 2}, DType::u8);
  EXPECT_EQ(data::resize_image(square, 4, 4, data::ImageResize::nearest).to_vector<uint8_t>(),
            (std::vector<uint8_t>{10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40}));
  // Halving averages each 2x2 block's centre: bilinear at the block centre.
  Tensor four = from_vector(std::vector<double>{0, 100, 0, 100, 0, 100, 0, 100}, {1, 2, 4}, DType::u8);
  EXPECT_EQ(data::resize_image(four, 1, 2).to_vector<uint8_t>(), (std::vector<uint8_t>{50, 50}));
  // A constant image stays constant at any size.
  Tensor flat = full({3, 5, 7}, 123, DType::u8);
  for (uint8_t v : data::resize_image(flat, 11, 3).to_vector<uint8_t>()) EXPECT_EQ(v, 123);
  EXPECT_NE(error_of([&] { data::resize_image(zeros({2, 2}, DType::u8), 2, 2); }).find("(C, H, W) u8"),
            std::string::npos);
}

TEST(Image, SizesAndCentreCrop) {
  TempDir dir;
  // 6 wide, 2 high; columns hold 0, 10, ..., 50.
  Pixels p{6, 2, 1, {0, 10, 20, 30, 40, 50, 0, 10, 20, 30, 40, 50}};
  write_png(dir.file("wide.png"), p);
  Tensor stretched = data::load_image(dir.file("wide.png"), {.channels = 1, .height = 2, .width = 2,
                                                              .resize = data::ImageResize::nearest});
  EXPECT_EQ(stretched.to_vector<uint8_t>(), (std::vector<uint8_t>{10, 40, 10, 40}));
  Tensor cropped = data::load_image(dir.file("wide.png"), {.channels = 1, .height = 2, .width = 2,
                                                            .resize = data::ImageResize::nearest, .center_crop = true});
  EXPECT_EQ(cropped.to_vector<uint8_t>(), (std::vector<uint8_t>{20, 30, 20, 30}));
  EXPECT_NE(error_of([&] { data::load_image(dir.file("wide.png"), {.channels = 2}); }).find("channels"),
            std::string::npos);
  EXPECT_NE(error_of([&] { data::load_image(dir.file("wide.png"), {.height = 4}); }).find("both"), std::string::npos);
}

TEST(Image, UnreadableImagesNameTheFile) {
  TempDir dir;
  std::ofstream(dir.file("bad.png")) << "this is not a PNG";
  std::string msg = error_of([&] { data::load_image(dir.file("bad.png")); });
  EXPECT_NE(msg.find("[load_image] file '" + dir.file("bad.png") + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot decode"), std::string::npos) << msg;
  msg = error_of([&] { data::load_image(dir.file("absent.png")); });
  EXPECT_NE(msg.find("absent.png"), std::string::npos) << msg;
  // A truncated PNG.
  write_png(dir.file("whole.png"), pattern(20, 20, 3));
  std::ifstream in(dir.file("whole.png"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(error_of([&] { data::decode_image(bytes.substr(0, bytes.size() / 2), {}, "half.png"); }).find("half.png"),
            std::string::npos);
}

// ---- The folder dataset ----

TEST(ImageFolder, ClassesSortedAndFilesSorted) {
  TempDir dir;
  fs::create_directories(dir.file("dog"));
  fs::create_directories(dir.file("cat"));
  fs::create_directories(dir.file(".cache"));
  write_png(dir.file("dog/x.png"), pattern(5, 5, 3));
  write_png(dir.file("cat/b.PNG"), pattern(10, 4, 3));
  write_jpg(dir.file("cat/a.jpeg"), pattern(8, 8, 3));
  write_png(dir.file("cat/.hidden.png"), pattern(2, 2, 3));
  std::ofstream(dir.file("cat/readme.txt")) << "not an image";
  std::ofstream(dir.file("notes.txt")) << "not a class";

  data::ImageFolder folder(dir.path(), {.channels = 3, .height = 8, .width = 8});
  EXPECT_EQ(folder.classes(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(folder.size(), 3);
  EXPECT_EQ(fs::path(folder.path(0)).filename(), "a.jpeg");
  EXPECT_EQ(fs::path(folder.path(1)).filename(), "b.PNG");
  EXPECT_EQ(folder.label(1), 0);
  EXPECT_EQ(folder.label(2), 1);
  data::Example e = folder.get(1);
  EXPECT_EQ(e.input.shape(), (Shape{3, 8, 8}));
  EXPECT_EQ(e.label, 0);

  // Through a DataLoader, decoding on its thread.
  auto shared = std::make_shared<data::ImageFolder>(dir.path(), data::ImageOptions{.channels = 1, .height = 6, .width = 6});
  data::DataLoader loader(shared, {.batch_size = 2, .transforms = {data::to_float()}});
  auto b = loader.next();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->inputs.shape(), (Shape{2, 1, 6, 6}));
  EXPECT_EQ(b->inputs.dtype(), DType::f32);
  EXPECT_EQ(b->labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
}

TEST(ImageFolder, Errors) {
  TempDir dir;
  const data::ImageOptions size{.height = 4, .width = 4};
  std::string msg = error_of([&] { data::ImageFolder(dir.file("missing"), size); });
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  msg = error_of([&] { data::ImageFolder(dir.path(), size); });
  EXPECT_NE(msg.find("holds no class folders"), std::string::npos) << msg;
  fs::create_directories(dir.file("empty_class"));
  std::ofstream(dir.file("empty_class/a.txt")) << "x";
  msg = error_of([&] { data::ImageFolder(dir.path(), size); });
  EXPECT_NE(msg.find("class folder '" + dir.file("empty_class") + "' holds no .png"), std::string::npos) << msg;
  std::ofstream(dir.file("empty_class/broken.jpg")) << "garbage";
  data::ImageFolder folder(dir.path(), size);
  msg = error_of([&] { folder.get(0); });
  EXPECT_NE(msg.find("broken.jpg"), std::string::npos) << msg;
  msg = error_of([&] { data::ImageFolder(dir.path(), {}); });
  EXPECT_NE(msg.find("height and width"), std::string::npos) << msg;
}
