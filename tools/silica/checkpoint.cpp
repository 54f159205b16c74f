#include "checkpoint.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "silica/error.h"
#include "silica/io/safetensors.h"

namespace silica::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "silica-train-1";
constexpr const char* kWeights = "model.safetensors";
constexpr const char* kState = "training_state.safetensors";

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

using Meta = std::map<std::string, std::string>;

const std::string& field(const Meta& meta, const std::string& key, const std::string& file) {
  auto it = meta.find(key);
  if (it == meta.end())
    throw Error("[checkpoint] " + file + " lacks the metadata entry '" + key +
                "'; it was not written by this version of silica train");
  return it->second;
}

int64_t to_int(const std::string& s, const std::string& key, const std::string& file) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end) throw Error("[checkpoint] " + file + ": metadata '" + key + "' is not a number: " + s);
  return v;
}

double to_double(const std::string& s, const std::string& key, const std::string& file) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end) throw Error("[checkpoint] " + file + ": metadata '" + key + "' is not a number: " + s);
  return v;
}

std::string checkpoint_folder(const std::string& dir) {
  for (const fs::path& p : {fs::path(dir) / "checkpoint", fs::path(dir) / "checkpoint.old", fs::path(dir)})
    if (fs::exists(p / kWeights)) return p.string();
  throw Error("[checkpoint] no checkpoint in " + dir + ": expected " + (fs::path(dir) / "checkpoint" / kWeights).string() +
              ", which `silica train --out " + dir + "` writes");
}

}  // namespace

bool has_checkpoint(const std::string& run_dir) {
  return fs::exists(fs::path(run_dir) / "checkpoint" / kWeights) ||
         fs::exists(fs::path(run_dir) / "checkpoint.old" / kWeights);
}

void save_checkpoint(const std::string& run_dir, const nn::Module& model, const optim::Optimizer& optimizer,
                     const RunConfig& c, const TrainingState& s) {
  fs::path run(run_dir), next = run / "checkpoint.new", current = run / "checkpoint", old = run / "checkpoint.old";
  std::error_code ec;
  fs::create_directories(run, ec);
  fs::remove_all(next, ec);
  if (!fs::create_directories(next, ec) && ec)
    throw Error("[checkpoint] cannot create " + next.string() + ": " + ec.message());
  Meta weights_meta = {{"silica.format", kFormat},
                       {"silica.model", c.model},
                       {"silica.epochs", std::to_string(c.epochs)},
                       {"silica.batch_size", std::to_string(c.batch_size)},
                       {"silica.lr", number(c.lr)},
                       {"silica.optimizer", c.optimizer},
                       {"silica.weight_decay", number(c.weight_decay)},
                       {"silica.scheduler", c.scheduler},
                       {"silica.seed", std::to_string(c.seed)},
                       {"silica.augment", c.augment ? "1" : "0"},
                       {"silica.global_step", std::to_string(s.global_step)}};
  io::save_safetensors((next / kWeights).string(), model.state_dict(), weights_meta);
  Meta state_meta = {{"silica.format", kFormat},
                     {"silica.epochs_done", std::to_string(s.epochs_done)},
                     {"silica.global_step", std::to_string(s.global_step)},
                     {"silica.data_epoch", std::to_string(s.position.epoch)},
                     {"silica.data_batch", std::to_string(s.position.batch)},
                     {"silica.loss_sum", number(s.loss_sum)},
                     {"silica.correct", std::to_string(s.correct)},
                     {"silica.samples", std::to_string(s.samples)},
                     {"silica.seconds", number(s.seconds)},
                     {"silica.rng_seed", std::to_string(s.rng_seed)},
                     {"silica.rng_offset", std::to_string(s.rng_offset)}};
  io::save_safetensors((next / kState).string(), optimizer.state_dict(), state_meta);
  // Swap: checkpoint -> checkpoint.old, checkpoint.new -> checkpoint, drop .old. A crash
  // in between leaves checkpoint.old, which load_checkpoint falls back to.
  fs::remove_all(old, ec);
  if (fs::exists(current)) {
    fs::rename(current, old, ec);
    if (ec) throw Error("[checkpoint] cannot move " + current.string() + " aside: " + ec.message());
  }
  fs::rename(next, current, ec);
  if (ec) throw Error("[checkpoint] cannot move " + next.string() + " into place: " + ec.message());
  fs::remove_all(old, ec);
}

Checkpoint load_checkpoint(const std::string& dir) {
  Checkpoint ck;
  ck.path = checkpoint_folder(dir);
  std::string wfile = (fs::path(ck.path) / kWeights).string(), sfile = (fs::path(ck.path) / kState).string();
  Meta wm, sm;
  ck.weights = io::load_safetensors(wfile, &wm);
  if (field(wm, "silica.format", wfile) != kFormat)
    throw Error("[checkpoint] " + wfile + " has format '" + wm["silica.format"] + "', expected " + kFormat);
  RunConfig& c = ck.config;
  c.model = field(wm, "silica.model", wfile);
  c.epochs = to_int(field(wm, "silica.epochs", wfile), "silica.epochs", wfile);
  c.batch_size = to_int(field(wm, "silica.batch_size", wfile), "silica.batch_size", wfile);
  c.lr = to_double(field(wm, "silica.lr", wfile), "silica.lr", wfile);
  c.optimizer = field(wm, "silica.optimizer", wfile);
  c.weight_decay = to_double(field(wm, "silica.weight_decay", wfile), "silica.weight_decay", wfile);
  c.scheduler = field(wm, "silica.scheduler", wfile);
  c.seed = static_cast<uint64_t>(to_int(field(wm, "silica.seed", wfile), "silica.seed", wfile));
  // Checkpoints written before --augment existed have no entry: they did not augment.
  c.augment = wm.count("silica.augment") && to_int(wm["silica.augment"], "silica.augment", wfile) != 0;
  if (!fs::exists(sfile)) {
    ck.state.epochs_done = -1;  // weights only: enough for eval and predict
    return ck;
  }
  ck.optimizer = io::load_safetensors(sfile, &sm);
  auto i = [&](const char* key) { return to_int(field(sm, key, sfile), key, sfile); };
  auto d = [&](const char* key) { return to_double(field(sm, key, sfile), key, sfile); };
  TrainingState& s = ck.state;
  s.epochs_done = i("silica.epochs_done");
  s.global_step = i("silica.global_step");
  s.position = {i("silica.data_epoch"), i("silica.data_batch")};
  s.loss_sum = d("silica.loss_sum");
  s.correct = i("silica.correct");
  s.samples = i("silica.samples");
  s.seconds = d("silica.seconds");
  s.rng_seed = static_cast<uint64_t>(i("silica.rng_seed"));
  s.rng_offset = static_cast<uint64_t>(i("silica.rng_offset"));
  if (field(wm, "silica.global_step", wfile) != std::to_string(s.global_step))
    throw Error("[checkpoint] " + ck.path + " mixes files of different steps (" + wm["silica.global_step"] +
                " and " + std::to_string(s.global_step) + "); it was not written by silica train");
  return ck;
}

}  // namespace silica::cli
