// DataLoader: batches of a Dataset in a seeded order, assembled and transformed on a
// background thread and copied to the training device while the current step runs.
//
//   data::DataLoader loader(dataset, {.batch_size = 64, .shuffle = true, .seed = 1,
//                                     .device = best_device(),
//                                     .transforms = {data::to_float(), data::normalize({0.286}, {0.353})}});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     while (auto batch = loader.next()) step(batch->inputs, batch->labels);
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "silica/data/dataset.h"
#include "silica/data/transforms.h"
#include "silica/device.h"

namespace silica::data {

/// How a DataLoader batches.
struct DataLoaderOptions {
  int64_t batch_size = 64;
  /// A new permutation each epoch, a pure function of (seed, epoch).
  bool shuffle = false;
  /// Skip the last batch of an epoch when it is smaller than batch_size.
  bool drop_last = false;
  /// Seeds the order and the random transforms.
  uint64_t seed = 0;
  /// Batches prepared ahead on the loader thread; 0 makes batches on the caller's thread.
  int64_t prefetch = 2;
  /// Where batches are delivered (inputs and labels).
  Device device = Device();
  /// Applied in order to each batch's inputs on the CPU, before the copy to `device`.
  std::vector<TransformPtr> transforms = {};
};

/// A place in the data stream: the next batch is batch `batch` of epoch `epoch`.
/// Save it with a checkpoint and seek() to it to resume exactly.
struct DataPosition {
  int64_t epoch = 0;
  int64_t batch = 0;
  bool operator==(const DataPosition&) const = default;
};

/// Iterates a dataset in batches, epoch after epoch. Not itself thread-safe: one thread
/// calls next()/seek(). Destroying it mid-epoch stops the loader thread promptly.
class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// The next batch of the current epoch, or std::nullopt when the epoch is over (the
  /// position then moves to batch 0 of the next epoch). Rethrows an error of the loader
  /// thread (dataset, transform or copy); calling again retries from the same position.
  std::optional<Batch> next();

  /// Where the next call to next() continues.
  DataPosition position() const { return position_; }
  /// Continues at `position` (batch may equal batches_per_epoch(): the epoch's end).
  void seek(DataPosition position);

  /// Batches in one epoch (counting a smaller last batch unless drop_last).
  int64_t batches_per_epoch() const;
  /// The dataset indices of `epoch` in the order they are served.
  std::vector<int64_t> order(int64_t epoch) const;
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

 private:
  /// What the loader thread hands over: a batch, the end of an epoch, or an error.
  struct Item {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };

  Batch make_batch(int64_t epoch, int64_t index, const std::vector<int64_t>& order) const;
  void start_worker();
  void stop_worker();
  void worker_loop(DataPosition start);

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  DataPosition position_;
  std::vector<int64_t> sync_order_;  // prefetch == 0: the order of epoch sync_order_epoch_
  int64_t sync_order_epoch_ = -1;

  std::thread worker_;
  std::mutex mu_;
  std::condition_variable ready_;  // an item was queued
  std::condition_variable space_;  // the queue has room, or the loader is stopping
  std::deque<Item> queue_;
  bool stop_ = false;
};

}  // namespace silica::data
