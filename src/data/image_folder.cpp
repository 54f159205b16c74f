// Image resizing and the root/<class>/<image> folder dataset.
#include "silica/data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "io/host_tensor.h"
#include "silica/error.h"

namespace silica::data {

namespace fs = std::filesystem;

Tensor resize_image(const Tensor& image, int64_t height, int64_t width, ImageResize mode) {
  if (!image.defined() || image.dim() != 3 || image.dtype() != DType::u8)
    throw Error("[resize_image] needs a (C, H, W) u8 image, got " +
                (image.defined() ? shape_str(image.shape()) + " " + dtype_name(image.dtype()) : std::string("undefined")));
  if (height <= 0 || width <= 0)
    throw Error("[resize_image] target size must be positive, got " + std::to_string(height) + " x " + std::to_string(width));
  // Read through the strides: crops arrive as views and need no copy.
  Tensor src = image.device().is_cpu() ? image : image.to(Device());
  const int64_t C = src.size(0), H = src.size(1), W = src.size(2);
  if (H == height && W == width && src.is_contiguous()) return src;
  if (H == 0 || W == 0) throw Error("[resize_image] cannot resize an empty image " + shape_str(src.shape()));
  const Shape& st = src.strides();
  const uint8_t* in = silica::detail::host_data(src);
  Tensor out = silica::detail::host_empty({C, height, width}, DType::u8);
  uint8_t* o = silica::detail::host_data(out);
  auto at = [&](int64_t c, int64_t y, int64_t x) { return in[c * st[0] + y * st[1] + x * st[2]]; };

  const double sy = static_cast<double>(H) / static_cast<double>(height);
  const double sx = static_cast<double>(W) / static_cast<double>(width);
  if (mode == ImageResize::nearest) {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < height; ++y) {
        const int64_t iy = std::min(H - 1, static_cast<int64_t>((static_cast<double>(y) + 0.5) * sy));
        for (int64_t x = 0; x < width; ++x) {
          const int64_t ix = std::min(W - 1, static_cast<int64_t>((static_cast<double>(x) + 0.5) * sx));
          o[(c * height + y) * width + x] = at(c, iy, ix);
        }
      }
    return out;
  }
  // Bilinear with pixel centres aligned: output centre y + 0.5 maps to (y + 0.5) * sy in
  // input coordinates, whose pixel centres sit at i + 0.5; clamp at the borders.
  for (int64_t y = 0; y < height; ++y) {
    const double fy = std::clamp((static_cast<double>(y) + 0.5) * sy - 0.5, 0.0, static_cast<double>(H - 1));
    const auto y0 = static_cast<int64_t>(fy);
    const int64_t y1 = std::min(y0 + 1, H - 1);
    const double wy = fy - static_cast<double>(y0);
    for (int64_t x = 0; x < width; ++x) {
      const double fx = std::clamp((static_cast<double>(x) + 0.5) * sx - 0.5, 0.0, static_cast<double>(W - 1));
      const auto x0 = static_cast<int64_t>(fx);
      const int64_t x1 = std::min(x0 + 1, W - 1);
      const double wx = fx - static_cast<double>(x0);
      for (int64_t c = 0; c < C; ++c) {
        const double top = at(c, y0, x0) * (1 - wx) + at(c, y0, x1) * wx;
        const double bottom = at(c, y1, x0) * (1 - wx) + at(c, y1, x1) * wx;
        const double v = top * (1 - wy) + bottom * wy;
        o[(c * height + y) * width + x] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return out;
}

namespace {

bool is_image_name(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* ext : {".png", ".jpg", ".jpeg"}) {
    const std::string e = ext;
    if (lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

/// Visible entries of `dir` that `keep` accepts, sorted by name.
template <typename Keep>
std::vector<fs::path> sorted_entries(const fs::path& dir, Keep keep) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (keep(*it)) out.push_back(it->path());
  }
  if (ec) throw Error("[ImageFolder] cannot list '" + dir.string() + "': " + ec.message());
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  return out;
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root, ImageOptions options) : options_(options) {
  if (options_.height <= 0 || options_.width <= 0)
    throw Error("[ImageFolder] needs ImageOptions with a height and width (every batch needs one size), got " +
                std::to_string(options_.height) + " x " + std::to_string(options_.width));
  if (options_.channels != 1 && options_.channels != 3)
    throw Error("[ImageFolder] channels must be 1 (grayscale) or 3 (RGB), got " + std::to_string(options_.channels));
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw Error("[ImageFolder] directory '" + root + "' does not exist; expected root/<class>/<image>.png|.jpg");
  const auto class_dirs = sorted_entries(root, [](const fs::directory_entry& e) {
    std::error_code ignored;
    return e.is_directory(ignored);
  });
  if (class_dirs.empty())
    throw Error("[ImageFolder] '" + root + "' holds no class folders; expected root/<class>/<image>.png|.jpg");
  for (const fs::path& dir : class_dirs) {
    const auto label = static_cast<int64_t>(classes_.size());
    classes_.push_back(dir.filename().string());
    const auto images = sorted_entries(dir, [](const fs::directory_entry& e) {
      std::error_code ignored;
      return e.is_regular_file(ignored) && is_image_name(e.path().filename().string());
    });
    if (images.empty())
      throw Error("[ImageFolder] class folder '" + dir.string() + "' holds no .png, .jpg or .jpeg images");
    for (const fs::path& p : images) files_.push_back({p.string(), label});
  }
}

const std::string& ImageFolder::path(int64_t index) const {
  if (index < 0 || index >= size())
    throw Error("[ImageFolder] index " + std::to_string(index) + " is out of range for " + std::to_string(size()) +
                " images");
  return files_[static_cast<size_t>(index)].path;
}

int64_t ImageFolder::label(int64_t index) const {
  path(index);  // range check
  return files_[static_cast<size_t>(index)].label;
}

Example ImageFolder::get(int64_t index) const {
  Example e;
  e.input = load_image(path(index), options_);
  e.label = files_[static_cast<size_t>(index)].label;
  return e;
}

}  // namespace silica::data
