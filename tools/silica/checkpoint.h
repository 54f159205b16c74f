// Training checkpoints: RUN_DIR/checkpoint/{model,training_state}.safetensors.
//
// model.safetensors holds the weights (loadable by any safetensors reader) and the run's
// settings as metadata; training_state.safetensors holds the optimizer moments and, as
// metadata, the step, epoch, data position, running epoch sums and RNG state. A new
// checkpoint is written into checkpoint.new/ and swapped in by renames, so a crash leaves
// either the old or the new checkpoint, never a mix (see save_checkpoint).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "silica/data/dataloader.h"
#include "silica/nn.h"
#include "silica/optim.h"

namespace silica::cli {

/// The settings a run was started with; resuming keeps them.
struct RunConfig {
  std::string model = "cnn";
  int64_t epochs = 10;
  int64_t batch_size = 64;
  double lr = 1e-3;
  std::string optimizer = "adam";
  double weight_decay = 0.0;
  std::string scheduler = "none";
  uint64_t seed = 0;
  bool augment = false;  // random crops and flips of the training images
};

/// Where training stands: enough to continue bit for bit.
struct TrainingState {
  int64_t epochs_done = 0;       // completed epochs
  int64_t global_step = 0;       // optimizer steps taken
  data::DataPosition position;   // next batch of the training data
  double loss_sum = 0.0;         // sums over the epoch in progress
  int64_t correct = 0;
  int64_t samples = 0;
  double seconds = 0.0;          // training time spent in the epoch in progress
  uint64_t rng_seed = 0, rng_offset = 0;  // the default generator (dropout and the like)
};

struct Checkpoint {
  RunConfig config;
  TrainingState state;
  std::map<std::string, Tensor> weights;
  std::map<std::string, Tensor> optimizer;
  std::string path;  // the folder it was read from
};

/// Writes the checkpoint of `run_dir` (creating the folder) atomically.
void save_checkpoint(const std::string& run_dir, const nn::Module& model, const optim::Optimizer& optimizer,
                     const RunConfig& config, const TrainingState& state);

/// Reads the checkpoint of a run folder (or a checkpoint folder itself). Throws silica::Error
/// naming the folder and what is wrong (missing, corrupt, not written by silica train).
Checkpoint load_checkpoint(const std::string& dir);

/// True when `run_dir` holds a checkpoint (so a new run must not overwrite it).
bool has_checkpoint(const std::string& run_dir);

}  // namespace silica::cli
