// DataLoader: one producer thread, a bounded queue, and a consumer that tracks the
// position of what it has handed out (so the position is exact whatever was prefetched).
#include "silica/data/dataloader.h"

#include <algorithm>
#include <numeric>

#include "data/sample_random.h"
#include "silica/error.h"

namespace silica::data {

namespace {
// Keeps the shuffle's random stream apart from the transforms' (which use streams 1, 2, ...).
constexpr uint64_t kShuffleStream = 0x5348'5546'464C'4500ull;
}  // namespace

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  if (!dataset_) throw Error("[DataLoader] needs a dataset");
  if (options_.batch_size <= 0)
    throw Error("[DataLoader] batch_size must be positive, got " + std::to_string(options_.batch_size));
  if (options_.prefetch < 0)
    throw Error("[DataLoader] prefetch must be >= 0, got " + std::to_string(options_.prefetch));
  for (const TransformPtr& t : options_.transforms)
    if (!t) throw Error("[DataLoader] a transform in the list is null");
}

DataLoader::~DataLoader() { stop_worker(); }

int64_t DataLoader::batches_per_epoch() const {
  const int64_t n = dataset_->size(), bs = options_.batch_size;
  return options_.drop_last ? n / bs : (n + bs - 1) / bs;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(dataset_->size()));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (options_.shuffle && order.size() > 1) {
    // Fisher-Yates with a stream keyed by (seed, epoch): any epoch's order can be rebuilt
    // alone, which is what makes seek() exact.
    detail::SplitMix64 rng(detail::hash_keys(options_.seed, kShuffleStream, static_cast<uint64_t>(epoch)));
    for (size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  }
  return order;
}

Batch DataLoader::make_batch(int64_t epoch, int64_t index, const std::vector<int64_t>& order) const {
  const int64_t n = static_cast<int64_t>(order.size());
  const int64_t begin = index * options_.batch_size;
  const int64_t end = std::min(begin + options_.batch_size, n);
  std::vector<int64_t> indices(order.begin() + begin, order.begin() + end);
  Batch b = dataset_->get_batch(indices);
  b.indices = std::move(indices);
  b.epoch = epoch;
  b.index = index;
  TransformContext ctx;
  ctx.seed = options_.seed;
  ctx.epoch = epoch;
  ctx.indices = &b.indices;
  for (size_t k = 0; k < options_.transforms.size(); ++k) {
    ctx.stream = k + 1;
    b.inputs = options_.transforms[k]->apply(b.inputs, ctx);
  }
  if (!options_.device.is_cpu()) {
    b.inputs = b.inputs.to(options_.device);
    b.labels = b.labels.to(options_.device);
  }
  return b;
}

std::optional<Batch> DataLoader::next() {
  const int64_t per_epoch = batches_per_epoch();
  if (options_.prefetch == 0) {
    if (position_.batch >= per_epoch) {
      position_ = {position_.epoch + 1, 0};
      return std::nullopt;
    }
    if (sync_order_epoch_ != position_.epoch) {
      sync_order_ = order(position_.epoch);
      sync_order_epoch_ = position_.epoch;
    }
    Batch b = make_batch(position_.epoch, position_.batch, sync_order_);
    ++position_.batch;
    return b;
  }

  if (!worker_.joinable()) start_worker();
  Item item;
  {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !queue_.empty(); });
    item = std::move(queue_.front());
    queue_.pop_front();
  }
  space_.notify_one();
  if (item.error) {
    stop_worker();  // the thread has ended; the next call starts a new one at position_
    std::rethrow_exception(item.error);
  }
  if (!item.batch) {
    position_ = {position_.epoch + 1, 0};
    return std::nullopt;
  }
  position_ = {item.batch->epoch, item.batch->index + 1};
  return std::move(item.batch);
}

void DataLoader::seek(DataPosition position) {
  if (position.epoch < 0 || position.batch < 0 || position.batch > batches_per_epoch())
    throw Error("[DataLoader::seek] position (epoch " + std::to_string(position.epoch) + ", batch " +
                std::to_string(position.batch) + ") is outside the data: an epoch has " +
                std::to_string(batches_per_epoch()) + " batches");
  stop_worker();
  position_ = position;
}

void DataLoader::start_worker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
    queue_.clear();
  }
  worker_ = std::thread(&DataLoader::worker_loop, this, position_);
}

void DataLoader::stop_worker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  space_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
  stop_ = false;
}

void DataLoader::worker_loop(DataPosition start) {
  // Queues an item unless the loader is stopping; false means "stop now".
  auto push = [&](Item item) {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return stop_ || static_cast<int64_t>(queue_.size()) < options_.prefetch; });
    if (stop_) return false;
    queue_.push_back(std::move(item));
    ready_.notify_one();
    return true;
  };
  auto stopping = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    return stop_;
  };
  try {
    DataPosition pos = start;
    const int64_t per_epoch = batches_per_epoch();
    for (;;) {
      const std::vector<int64_t> epoch_order = order(pos.epoch);
      for (; pos.batch < per_epoch; ++pos.batch) {
        if (stopping()) return;
        if (!push(Item{make_batch(pos.epoch, pos.batch, epoch_order), nullptr})) return;
      }
      if (!push(Item{std::nullopt, nullptr})) return;  // end of the epoch
      pos = {pos.epoch + 1, 0};
    }
  } catch (...) {
    push(Item{std::nullopt, std::current_exception()});
  }
}

}  // namespace silica::data
