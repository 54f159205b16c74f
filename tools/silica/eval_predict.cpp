// `silica eval` and `silica predict`: load a run's checkpoint and use the model.
#include <algorithm>
#include <cstdio>
#include <numeric>

#include "args.h"
#include "checkpoint.h"
#include "models.h"
#include "silica/data/image_folder.h"
#include "silica/data/mnist.h"
#include "silica/silica.h"
#include "training.h"

namespace silica::cli {

namespace {

const std::vector<Flag> kEvalFlags = {
    {"checkpoint", "DIR", "run folder written by silica train (or its checkpoint/ folder)"},
    {"device", "DEVICE", "device to run on (default: the best device)"},
    {"data-dir", "DIR", "folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)"},
    {"help", "", "show this help"},
};

const std::vector<Flag> kPredictFlags = {
    {"checkpoint", "DIR", "run folder written by silica train (or its checkpoint/ folder)"},
    {"device", "DEVICE", "device to run on (default: the best device)"},
    {"help", "", "show this help"},
};

// The checkpoint's model with its weights, on `device`.
std::shared_ptr<nn::Module> load_model(const Args& args, const Device& device, Checkpoint& ck) {
  if (!args.has("checkpoint")) throw UsageError("--checkpoint DIR is required");
  ck = load_checkpoint(args.get("checkpoint", ""));
  Generator gen(ck.config.seed);
  auto model = build_model(ck.config.model, gen);
  model->load_state_dict(ck.weights);
  model->to(device);
  model->eval();
  return model;
}

template <typename Fn>
int with_usage(const char* name, const std::vector<Flag>& flags, const char* synopsis, Fn&& fn) {
  auto usage = [&](std::FILE* out) {
    std::fprintf(out, "usage: silica %s\n\nflags:\n%s", synopsis, describe_flags(flags).c_str());
  };
  try {
    return fn(usage);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "silica %s: %s\n\n", name, e.what());
    usage(stderr);
    return 2;
  }
}

}  // namespace

int eval_command(int argc, char** argv) {
  return with_usage("eval", kEvalFlags, "eval --checkpoint DIR [flags]", [&](auto usage) {
    Args args(argc, argv, 2, kEvalFlags, false);
    if (args.has("help")) {
      usage(stdout);
      return 0;
    }
    Device device = args.has("device") ? Device(args.get("device", "")) : best_device();
    std::printf("Using %s (%s)\n", device.str().c_str(), device.name().c_str());
    Checkpoint ck;
    auto model = load_model(args, device, ck);
    auto test = std::make_shared<data::FashionMnist>(args.get("data-dir", data::kFashionMnistDir), false);
    Evaluation e = evaluate(*model, test, device);
    std::printf("%s (%s, step %s): test loss %.4f, accuracy %.2f%% on %lld images\n", ck.path.c_str(),
                ck.config.model.c_str(), ck.state.epochs_done >= 0 ? std::to_string(ck.state.global_step).c_str() : "?",
                e.loss, 100 * e.accuracy, static_cast<long long>(e.samples));
    return 0;
  });
}

int predict_command(int argc, char** argv) {
  return with_usage("predict", kPredictFlags, "predict --checkpoint DIR IMAGE...", [&](auto usage) {
    Args args(argc, argv, 2, kPredictFlags, true);
    if (args.has("help")) {
      usage(stdout);
      return 0;
    }
    if (args.positional().empty()) throw UsageError("give at least one IMAGE (PNG or JPEG)");
    Device device = args.has("device") ? Device(args.get("device", "")) : best_device();
    Checkpoint ck;
    auto model = load_model(args, device, ck);
    const auto& classes = data::fashion_mnist_classes();
    data::ImageOptions io;
    io.channels = 1;
    io.height = 28;
    io.width = 28;
    NoGradGuard no_grad;
    for (const std::string& path : args.positional()) {
      // (1, 28, 28) u8 grayscale, like a Fashion-MNIST image (light garment on black).
      Tensor pixels = data::load_image(path, io);
      Tensor probs = softmax((*model)(prepare_images(pixels, device)), 1);
      std::vector<double> p = probs.to_vector<double>();
      std::vector<size_t> order(p.size());
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + 3, order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
      std::printf("%s:", path.c_str());
      for (int k = 0; k < 3; ++k)
        std::printf("  %s %.1f%%", classes[order[k]].c_str(), 100 * p[order[k]]);
      std::printf("\n");
    }
    return 0;
  });
}

}  // namespace silica::cli
