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

// A job is split into more chunks than threads, and every thread, the caller included,
// claims chunks until none is left. The caller never waits for a worker that has not
// started (on a busy machine a worker may not run for a while): it runs the unclaimed
// chunks itself and waits only for chunks already being run.
//
// claim_ holds the job's id (high 32 bits), its chunk count (16 bits) and the next
// unclaimed chunk (low 16 bits), so one compare-and-swap both checks that the job is the
// one a thread read about and takes a chunk of it. A job lives until all its chunks are
// done, so whoever claimed a chunk may use the job's function.
class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }
  ~Pool() { stop(); }

  int size() const { return threads_; }

  void resize(int threads) {
    stop();
    threads_ = std::max(1, threads);
    quit_ = false;
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { work(); });
  }

  static constexpr int kMaxChunks = 0xffff;

  // Runs job(c) for c in [0, chunks), chunks <= kMaxChunks.
  void run(int chunks, const std::function<void(int)>& job) {
    std::lock_guard<std::mutex> run_lock(run_mu_);  // one parallel region at a time
    const uint64_t id = ++last_id_ & 0xffffffffu;
    job_.store(&job, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    claim_.store(id << 32 | static_cast<uint64_t>(chunks) << 16, std::memory_order_release);
    {
      std::lock_guard<std::mutex> g(mu_);  // sleepers check the generation under mu_
      generation_.store(id, std::memory_order_release);
    }
    cv_.notify_all();
    run_chunks(id);
    auto finished = [&] { return done_.load(std::memory_order_acquire) == chunks; };
    if (!spin_until(finished)) {
      std::unique_lock<std::mutex> g(mu_);
      done_cv_.wait(g, finished);
    }
  }

 private:
  // Claims and runs chunks of job `id` while it has unclaimed ones.
  void run_chunks(uint64_t id) {
    uint64_t c = claim_.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t chunks = (c >> 16) & 0xffff, next = c & 0xffff;
      if ((c >> 32) != id || next >= chunks) return;
      if (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      (*job_.load(std::memory_order_relaxed))(static_cast<int>(next));
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<int>(chunks)) {
        std::lock_guard<std::mutex> g(mu_);  // the caller may be about to sleep
        done_cv_.notify_one();
      }
      c = claim_.load(std::memory_order_acquire);
    }
  }

  void work() {
    uint64_t seen = 0;
    for (;;) {
      auto fresh = [&] { return quit_.load(std::memory_order_acquire) ||
                                generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(fresh)) {
        std::unique_lock<std::mutex> g(mu_);
        cv_.wait(g, fresh);
      }
      if (quit_.load(std::memory_order_acquire)) return;
      seen = generation_.load(std::memory_order_acquire);
      run_chunks(seen);
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
  uint64_t last_id_ = 0;  // under run_mu_
  std::atomic<const std::function<void(int)>*> job_{nullptr};
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> done_{0};
  std::atomic<uint64_t> generation_{0};  // the id of the latest job
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

constexpr int kChunksPerThread = 4;

}  // namespace

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  // Up to kChunksPerThread chunks per thread, so a thread that is late (descheduled on a
  // busy machine) leaves its share to the others instead of holding everyone up.
  int64_t chunks = std::min<int64_t>({int64_t{kChunksPerThread} * pool().size(), (n + grain - 1) / grain,
                                      int64_t{Pool::kMaxChunks}});
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
