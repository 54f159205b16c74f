// PNG/JPEG decoding with stb_image (Debian's libstb-dev header). The implementation is
// compiled here, once, with static linkage so that the library exports none of stb's
// symbols and cannot clash with another copy of stb in the same program.
#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

#include "io/host_tensor.h"
#include "silica/data/image_folder.h"
#include "silica/error.h"
#include "silica/io/atomic_file.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#endif
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO    // files are read by read_file(), which reports errors with the path
#define STBI_NO_LINEAR   // 8-bit output only
#define STBI_NO_HDR
// Refuse absurd sizes before allocating (a hostile header could ask for 2^31 pixels).
#define STBI_MAX_DIMENSIONS (1 << 15)
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace silica::data {

namespace {
// Decoded images larger than this many pixels are refused (a 16k x 16k RGB image).
constexpr int64_t kMaxPixels = int64_t{1} << 28;
}  // namespace

Tensor decode_image(std::string_view bytes, const ImageOptions& options, const std::string& source) {
  auto fail = [&](const std::string& what) { throw Error("[load_image] " + source + ": " + what); };
  if (options.channels != 1 && options.channels != 3)
    fail("channels must be 1 (grayscale) or 3 (RGB), got " + std::to_string(options.channels));
  if (options.height < 0 || options.width < 0 || (options.height == 0) != (options.width == 0))
    fail("height and width must both be positive, or both 0 to keep the file's size; got " +
         std::to_string(options.height) + " x " + std::to_string(options.width));
  if (bytes.size() > static_cast<size_t>(INT_MAX)) fail("is larger than 2 GiB, more than stb_image can decode");

  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(bytes.size());
  int w = 0, h = 0, file_channels = 0;
  if (!stbi_info_from_memory(data, length, &w, &h, &file_channels))
    fail(std::string("cannot decode the image (PNG and JPEG are supported): ") + stbi_failure_reason());
  if (static_cast<int64_t>(w) * h > kMaxPixels)
    fail("is " + std::to_string(w) + " x " + std::to_string(h) + " pixels, more than the " +
         std::to_string(kMaxPixels) + " this loader accepts");
  const int c = static_cast<int>(options.channels);
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(data, length, &w, &h, &file_channels, c),
                                                   stbi_image_free);
  if (!pixels) fail(std::string("cannot decode the image: ") + stbi_failure_reason());

  // stb gives (H, W, C) interleaved; tensors are (C, H, W).
  Tensor image = silica::detail::host_empty({c, h, w}, DType::u8);
  uint8_t* dst = silica::detail::host_data(image);
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int64_t i = 0; i < plane; ++i)
    for (int k = 0; k < c; ++k) dst[k * plane + i] = pixels.get()[i * c + k];

  if (options.height == 0) return image;
  if (options.center_crop) {
    // The largest window of aspect width:height, centred.
    int64_t ch = h, cw = w;
    if (static_cast<int64_t>(w) * options.height > static_cast<int64_t>(h) * options.width)
      cw = std::max<int64_t>(1, (static_cast<int64_t>(h) * options.width + options.height / 2) / options.height);
    else
      ch = std::max<int64_t>(1, (static_cast<int64_t>(w) * options.height + options.width / 2) / options.width);
    image = image.narrow(1, (h - ch) / 2, ch).narrow(2, (w - cw) / 2, cw);
  }
  return resize_image(image, options.height, options.width, options.resize);
}

Tensor load_image(const std::string& path, const ImageOptions& options) {
  return decode_image(io::read_file(path, "load_image"), options, "file '" + path + "'");
}

}  // namespace silica::data
