// Images: PNG/JPEG decoding (stb_image) and the root/<class>/<image> dataset layout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "silica/data/dataset.h"

namespace silica::data {

/// How resize_image() samples.
enum class ImageResize {
  /// Linear interpolation between the four nearest pixels, pixel centres aligned
  /// (align_corners = false). No antialiasing: large reductions alias, so prefer files
  /// near the target size.
  bilinear,
  /// The nearest pixel: exact for integer upscales, keeps label-like images crisp.
  nearest,
};

/// How images are decoded and sized.
struct ImageOptions {
  /// 1 (grayscale, stb_image's luma 0.299R + 0.587G + 0.114B) or 3 (RGB); alpha is dropped.
  int64_t channels = 3;
  /// Output size; 0 x 0 keeps each file's own size (not allowed for an ImageFolder,
  /// whose batches need one size).
  int64_t height = 0;
  int64_t width = 0;
  ImageResize resize = ImageResize::bilinear;
  /// First cut the largest centred window of the target's aspect ratio, so the image is not
  /// stretched; otherwise the whole image is scaled to height x width.
  bool center_crop = false;
};

/// Decodes a PNG or JPEG file into a (C, H, W) u8 CPU tensor sized per `options`.
/// Throws silica::Error naming the file when it cannot be read or decoded. For
/// `silica predict`: add a batch axis with unsqueeze(0).
Tensor load_image(const std::string& path, const ImageOptions& options = {});

/// load_image() from encoded bytes in memory; `source` names them in errors.
Tensor decode_image(std::string_view bytes, const ImageOptions& options = {},
                    const std::string& source = "<memory>");

/// Resizes a (C, H, W) u8 image to (C, height, width).
Tensor resize_image(const Tensor& image, int64_t height, int64_t width,
                    ImageResize mode = ImageResize::bilinear);

/// Images laid out as root/<class>/<name>.png|.jpg|.jpeg: classes are the sub-folders
/// sorted by name (label = position), images sorted by name within each class; hidden
/// entries and other files are skipped. Images are decoded when get() asks for them.
class ImageFolder : public Dataset {
 public:
  /// Scans `root`; throws when it is missing, has no class folders, or a class folder has
  /// no images. `options` must give a height and width.
  ImageFolder(const std::string& root, ImageOptions options);

  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  /// Decodes image `index`: input (C, height, width) u8.
  Example get(int64_t index) const override;

  /// Class names, by label.
  const std::vector<std::string>& classes() const { return classes_; }
  /// Path of image `index`.
  const std::string& path(int64_t index) const;
  /// Label of image `index` (without decoding it).
  int64_t label(int64_t index) const;

 private:
  struct File {
    std::string path;
    int64_t label;
  };
  ImageOptions options_;
  std::vector<std::string> classes_;
  std::vector<File> files_;
};

}  // namespace silica::data
