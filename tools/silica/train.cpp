// `silica train`: Fashion-MNIST by default, on the best device, with progress, per-epoch
// metrics, curves and checkpoints that resume exactly.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "args.h"
#include "checkpoint.h"
#include "metrics.h"
#include "models.h"
#include "pending_stats.h"
#include "progress.h"
#include "silica/data/mnist.h"
#include "silica/silica.h"
#include "training.h"

namespace silica::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::vector<Flag> kTrainFlags = {
    {"model", "NAME", "mlp, cnn (default) or resnet"},
    {"epochs", "N", "epochs to train (default: mlp 15, cnn 12, resnet 10)"},
    {"batch-size", "N", "samples per step (default: mlp 128, cnn 64, resnet 128)"},
    {"lr", "RATE", "peak learning rate (default 1e-3)"},
    {"optimizer", "NAME", "adam (default), adamw or sgd (momentum 0.9)"},
    {"weight-decay", "W", "weight decay (default 0; adamw: 1e-2)"},
    {"scheduler", "NAME", "none, step, cosine (default), warmup-cosine or onecycle"},
    {"device", "DEVICE", "cpu, vulkan, vulkan:1, cuda:0, ... (default: the best device)"},
    {"seed", "N", "seed of weights, data order and augmentation (default 0)"},
    {"augment", "", "random crops (2-pixel padding) and horizontal flips of the training images"},
    {"threads", "N", "CPU threads (default: all cores)"},
    {"data-dir", "DIR", "folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)"},
    {"out", "DIR", "run folder for checkpoint, metrics.jsonl, curves.png (default runs/<time>)"},
    {"resume", "DIR", "continue the run in DIR exactly where its checkpoint stopped"},
    {"max-steps", "N", "stop after N optimizer steps in total, saving a checkpoint (resume later)"},
};

void print_train_usage(std::FILE* out) {
  std::fprintf(out, "usage: silica train [flags]\n\nTrains a classifier on Fashion-MNIST.\n\nflags:\n%s",
               describe_flags(kTrainFlags).c_str());
}

std::string timestamp_dir() {
  std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "runs/%Y%m%d-%H%M%S", std::localtime(&now));
  return buf;
}

// Applies the run's flags over the per-model defaults.
RunConfig config_from_flags(const Args& args) {
  RunConfig c;
  c.model = args.get_choice("model", "cnn", model_names());
  c.epochs = args.get_int("epochs", c.model == "mlp" ? 15 : c.model == "cnn" ? 12 : 10, 1, 100000);
  c.batch_size = args.get_int("batch-size", c.model == "cnn" ? 64 : 128, 1, 1 << 20);
  c.lr = args.get_double("lr", 1e-3, 1e-12, 1e3);
  c.optimizer = args.get_choice("optimizer", "adam", {"adam", "adamw", "sgd"});
  c.weight_decay = args.get_double("weight-decay", c.optimizer == "adamw" ? 1e-2 : 0.0, 0.0, 10.0);
  c.scheduler = args.get_choice("scheduler", "cosine", {"none", "step", "cosine", "warmup-cosine", "onecycle"});
  c.seed = static_cast<uint64_t>(args.get_int("seed", 0, 0, INT64_MAX));
  c.augment = args.has("augment");
  return c;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const RunConfig& c, const std::vector<Tensor>& params) {
  if (c.optimizer == "sgd") {
    optim::SGDOptions o;
    o.lr = c.lr;
    o.momentum = 0.9;
    o.weight_decay = c.weight_decay;
    return std::make_unique<optim::SGD>(params, o);
  }
  if (c.optimizer == "adamw") {
    optim::AdamWOptions o;
    o.lr = c.lr;
    o.weight_decay = c.weight_decay;
    return std::make_unique<optim::AdamW>(params, o);
  }
  optim::AdamOptions o;
  o.lr = c.lr;
  o.weight_decay = c.weight_decay;
  return std::make_unique<optim::Adam>(params, o);
}

std::unique_ptr<optim::LRScheduler> make_scheduler(const RunConfig& c, optim::Optimizer& opt,
                                                   int64_t steps_per_epoch) {
  int64_t total = c.epochs * steps_per_epoch;
  if (c.scheduler == "step") return std::make_unique<optim::StepLR>(opt, std::max<int64_t>(1, total / 3), 0.1);
  if (c.scheduler == "cosine") return std::make_unique<optim::CosineAnnealingLR>(opt, total);
  if (c.scheduler == "warmup-cosine")
    return std::make_unique<optim::WarmupCosineLR>(opt, std::max<int64_t>(1, total / 20), total);
  if (c.scheduler == "onecycle") return std::make_unique<optim::OneCycleLR>(opt, c.lr, total);
  return nullptr;
}

struct Datasets {
  std::shared_ptr<const data::Dataset> train, test;
};

Datasets load_data(const std::string& dir) {
  return {std::make_shared<data::FashionMnist>(dir, true), std::make_shared<data::FashionMnist>(dir, false)};
}

int train(const Args& args) {
  if (args.has("threads")) setenv("SILICA_NUM_THREADS", args.get("threads", "").c_str(), 1);
  const bool resuming = args.has("resume");
  RunConfig config;
  TrainingState state;
  Checkpoint checkpoint;
  std::string out_dir;
  if (resuming) {
    out_dir = args.get("resume", "");
    checkpoint = load_checkpoint(out_dir);
    if (checkpoint.state.epochs_done < 0)
      throw Error("[train] " + checkpoint.path + " holds weights only (no training_state.safetensors); it "
                  "cannot be resumed — start a new run with --out");
    config = checkpoint.config;
    state = checkpoint.state;
    if (args.has("model") && args.get("model", "") != config.model)
      throw Error("[train] the checkpoint in " + out_dir + " was trained with --model " + config.model +
                  ", not " + args.get("model", "") + "; drop --model to resume it");
    if (args.has("augment") && !config.augment)
      throw Error("[train] the run in " + out_dir + " was trained without --augment and resumes that way; drop "
                  "--augment, or start a new run with --out to train with it");
    if (args.has("out") && args.get("out", "") != out_dir)
      throw Error("[train] --resume continues in its own folder " + out_dir + "; drop --out");
    config.epochs = args.get_int("epochs", config.epochs, 1, 100000);
    if (state.epochs_done >= config.epochs) {
      std::printf("The run in %s already finished %lld epochs; pass --epochs N to train further.\n",
                  out_dir.c_str(), static_cast<long long>(state.epochs_done));
      return 0;
    }
  } else {
    config = config_from_flags(args);
    out_dir = args.get("out", timestamp_dir());
    if (has_checkpoint(out_dir))
      throw Error("[train] " + out_dir + " already holds a checkpoint; continue it with --resume " + out_dir +
                  " or choose another --out folder (nothing was overwritten)");
  }
  const int64_t max_steps = args.get_int("max-steps", INT64_MAX, 1, INT64_MAX);

  Device device = args.has("device") ? Device(args.get("device", "")) : best_device();
  std::printf("Using %s (%s)\n", device.str().c_str(), device.name().c_str());
  Datasets data = load_data(args.get("data-dir", data::kFashionMnistDir));

  Generator init_gen(config.seed);
  std::shared_ptr<nn::Module> model = build_model(config.model, init_gen);
  if (resuming) model->load_state_dict(checkpoint.weights);
  model->to(device);
  auto optimizer = make_optimizer(config, model->parameters());
  if (resuming) optimizer->load_state_dict(checkpoint.optimizer);

  data::DataLoaderOptions lo;
  lo.batch_size = config.batch_size;
  lo.shuffle = true;
  lo.seed = config.seed;
  // On the loader thread, on u8 pixels; each sample's draw depends only on (seed, epoch,
  // index), so a resumed run augments exactly as an unbroken one.
  if (config.augment) lo.transforms = {data::random_crop(28, 28, 2), data::random_horizontal_flip()};
  data::DataLoader loader(data.train, lo);
  auto scheduler = make_scheduler(config, *optimizer, loader.batches_per_epoch());
  if (resuming) {
    if (scheduler) scheduler->set_step(state.global_step);
    loader.seek(state.position);
    default_generator().set_state(state.rng_seed, state.rng_offset);
  } else {
    manual_seed(config.seed);
  }
  std::printf("Model %s: %lld parameters; %lld training and %lld test images%s; batch %lld, %s lr %g, "
              "scheduler %s; run folder %s\n",
              config.model.c_str(), static_cast<long long>(model->num_parameters()),
              static_cast<long long>(data.train->size()), static_cast<long long>(data.test->size()),
              config.augment ? " (training images randomly cropped and flipped)" : "",
              static_cast<long long>(config.batch_size), config.optimizer.c_str(), config.lr,
              config.scheduler.c_str(), out_dir.c_str());
  fs::create_directories(out_dir);
  std::vector<EpochMetrics> history = read_metrics_jsonl((fs::path(out_dir) / "metrics.jsonl").string());
  history.resize(static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(history.size()), state.epochs_done)));

  auto save = [&] {
    state.rng_seed = default_generator().seed();
    state.rng_offset = default_generator().offset();
    state.position = loader.position();
    save_checkpoint(out_dir, *model, *optimizer, config, state);
  };
  const auto run_start = Clock::now();
  int64_t run_samples = 0;
  double run_train_seconds = 0;
  PendingStats pending;
  for (int64_t epoch = state.epochs_done; epoch < config.epochs; ++epoch) {
    model->train();
    Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config.epochs),
                      loader.batches_per_epoch());
    auto epoch_start = Clock::now();
    const double seconds_before = state.seconds;
    while (auto batch = loader.next()) {
      Tensor x = prepare_images(batch->inputs, device);
      Tensor y = batch->labels.to(device);
      Tensor logits = (*model)(x);
      Tensor loss = cross_entropy(logits, y);
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      if (scheduler) scheduler->step();
      ++state.global_step;
      pending.add(loss, logits, y);
      if (pending.due()) {
        pending.drain(state);
        progress.update(loader.position().batch, state.loss_sum / static_cast<double>(state.samples), state.samples);
      }
      if (state.global_step >= max_steps) {
        pending.drain(state);
        progress.finish();
        state.seconds = seconds_before + std::chrono::duration<double>(Clock::now() - epoch_start).count();
        save();
        std::printf("Stopped after %lld steps (--max-steps); continue with: silica train --resume %s\n",
                    static_cast<long long>(state.global_step), out_dir.c_str());
        return 0;
      }
    }
    pending.drain(state);
    progress.finish();
    double train_seconds = seconds_before + std::chrono::duration<double>(Clock::now() - epoch_start).count();
    Evaluation test = evaluate(*model, data.test, device);
    EpochMetrics m;
    m.epoch = static_cast<int>(epoch + 1);
    m.train_loss = state.loss_sum / static_cast<double>(std::max<int64_t>(state.samples, 1));
    m.train_accuracy = static_cast<double>(state.correct) / static_cast<double>(std::max<int64_t>(state.samples, 1));
    m.test_loss = test.loss;
    m.test_accuracy = test.accuracy;
    m.seconds = seconds_before + std::chrono::duration<double>(Clock::now() - epoch_start).count();
    m.samples_per_second = static_cast<double>(state.samples) / std::max(train_seconds, 1e-9);
    run_samples += state.samples;
    run_train_seconds += train_seconds;
    history.push_back(m);
    std::printf("epoch %d/%lld: train loss %.4f, accuracy %.2f%% | test loss %.4f, accuracy %.2f%% | %.1f s, "
                "%.0f samples/s\n",
                m.epoch, static_cast<long long>(config.epochs), m.train_loss, 100 * m.train_accuracy, m.test_loss,
                100 * m.test_accuracy, m.seconds, m.samples_per_second);
    std::fflush(stdout);
    TrainingState next;  // a fresh epoch: running sums start at zero
    next.epochs_done = epoch + 1;
    next.global_step = state.global_step;
    state = next;
    save();
    write_metrics_jsonl((fs::path(out_dir) / "metrics.jsonl").string(), history);
    plot_curves(history, (fs::path(out_dir) / "curves.png").string());
  }
  double wall = std::chrono::duration<double>(Clock::now() - run_start).count();
  const EpochMetrics& last = history.back();
  std::printf("Test accuracy %.2f%% after %lld epochs; wall time %s; %.0f training samples/s. Run folder: %s\n",
              100 * last.test_accuracy, static_cast<long long>(config.epochs), format_duration(wall).c_str(),
              run_train_seconds > 0 ? static_cast<double>(run_samples) / run_train_seconds : 0.0, out_dir.c_str());
  return 0;
}

}  // namespace

Tensor prepare_images(const Tensor& pixels, const Device& device) {
  // Fashion-MNIST's training-set mean and standard deviation of pixel/255.
  constexpr double kMean = 0.2860, kStd = 0.3530;
  NoGradGuard no_grad;
  Tensor x = pixels.to(device).to(DType::f32);
  x = (x * (1.0 / (255.0 * kStd))) - (kMean / kStd);
  return x.reshape({x.size(0), 1, x.size(-2), x.size(-1)});
}

Evaluation evaluate(nn::Module& model, std::shared_ptr<const data::Dataset> dataset, const Device& device) {
  NoGradGuard no_grad;
  model.eval();
  data::DataLoaderOptions lo;
  lo.batch_size = 1000;
  data::DataLoader loader(std::move(dataset), lo);
  PendingStats pending;
  TrainingState sums;
  while (auto batch = loader.next()) {
    Tensor x = prepare_images(batch->inputs, device);
    Tensor y = batch->labels.to(device);
    Tensor logits = model(x);
    pending.add(cross_entropy(logits, y), logits, y);
  }
  pending.drain(sums);
  model.train();
  Evaluation e;
  e.samples = sums.samples;
  e.loss = sums.samples ? sums.loss_sum / static_cast<double>(sums.samples) : 0.0;
  e.accuracy = sums.samples ? static_cast<double>(sums.correct) / static_cast<double>(sums.samples) : 0.0;
  return e;
}

int train_command(int argc, char** argv) {
  try {
    Args args(argc, argv, 2, [] {
      auto f = kTrainFlags;
      f.push_back({"help", "", "show this help"});
      return f;
    }(), false);
    if (args.has("help")) {
      print_train_usage(stdout);
      return 0;
    }
    return train(args);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "silica train: %s\n\n", e.what());
    print_train_usage(stderr);
    return 2;
  }
}

}  // namespace silica::cli
