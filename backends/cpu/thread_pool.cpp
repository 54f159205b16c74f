#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace silica::cpu {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// How long a worker keeps polling for the next job, and the caller for the last chunk,
// before sleeping on a condition variable. A training step issues a parallel region per
// op, back to back; a futex wake-up costs tens of microseconds, as much as many of those
// regions take (mlp step, 2 threads: 1.5 ms without polling, 1.0 ms with 30-200 us).
// Short, because polling threads take the CPU from others when cores are oversubscribed.
constexpr auto kSpin = std::chrono::microseconds(50);

// Spins until done() or kSpin passes; true when done() became true.
template <typename Done>
bool spin_until(Done&& done) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    if (done()) return true;
    cpu_relax();
    if ((i & 63) == 0 && std::chrono::steady_clock::now() - start > kSpin) return false;
  }
}

// Workers wait for a job (a generation number bump), run their chunk, and count down.
// The generation is a sequence lock over the job's fields: odd while run() writes them,
// even once published. A worker reads the fields between two equal even readings, so one
// that skipped its part of a job (more threads than chunks) never mixes two jobs' fields.
class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }
  ~Pool() { stop(); }

  int size() const { return threads_; }

  void resize(int threads) {
    stop();
    threads_ = std::max(1, threads);
    quit_ = false;
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { work(i); });
  }

  void run(int chunks, const std::function<void(int)>& job) {
    std::lock_guard<std::mutex> run_lock(run_mu_);  // one parallel region at a time
    generation_.fetch_add(1, std::memory_order_relaxed);  // odd: fields being written
    std::atomic_thread_fence(std::memory_order_release);
    job_.store(&job, std::memory_order_relaxed);
    chunks_.store(chunks, std::memory_order_relaxed);
    pending_.store(chunks - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> g(mu_);  // sleepers check the generation under mu_
      generation_.fetch_add(1, std::memory_order_release);  // even: published
    }
    cv_.notify_all();
    job(0);
    auto finished = [this] { return pending_.load(std::memory_order_acquire) == 0; };
    if (!spin_until(finished)) {
      std::unique_lock<std::mutex> g(mu_);
      done_cv_.wait(g, finished);
    }
  }

 private:
  void work(int index) {
    uint64_t seen = 0;
    for (;;) {
      auto fresh = [&] { return quit_.load(std::memory_order_acquire) ||
                                generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(fresh)) {
        std::unique_lock<std::mutex> g(mu_);
        cv_.wait(g, fresh);
      }
      if (quit_.load(std::memory_order_acquire)) return;
      const uint64_t gen = generation_.load(std::memory_order_acquire);
      if (gen & 1) {  // run() is writing the fields
        cpu_relax();
        continue;
      }
      const std::function<void(int)>* job = job_.load(std::memory_order_relaxed);
      const int chunks = chunks_.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (generation_.load(std::memory_order_relaxed) != gen) continue;  // a newer job: read again
      seen = gen;
      if (index >= chunks) continue;
      (*job)(index);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> g(mu_);  // the caller may be about to sleep
        done_cv_.notify_one();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> g(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mu_, mu_;
  std::condition_variable cv_, done_cv_;
  std::atomic<const std::function<void(int)>*> job_{nullptr};
  std::atomic<int> chunks_{0};
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> quit_{false};
};

int default_threads() {
  if (const char* env = std::getenv("SILICA_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Pool& pool() {
  static Pool* p = new Pool(default_threads());  // leaked: workers may outlive static destruction
  return *p;
}

thread_local bool in_parallel_region = false;

}  // namespace

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = std::min<int64_t>(pool().size(), (n + grain - 1) / grain);
  if (chunks <= 1 || in_parallel_region) {  // nested regions run inline
    fn(0, n);
    return;
  }
  int64_t per = (n + chunks - 1) / chunks;
  std::function<void(int)> job = [&](int c) {
    int64_t b = c * per, e = std::min(n, b + per);
    if (b >= e) return;
    in_parallel_region = true;
    fn(b, e);
    in_parallel_region = false;
  };
  pool().run(static_cast<int>(chunks), job);
}

}  // namespace silica::cpu
