#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace keel {
namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// One parallelFor call. It lives on the submitting thread's stack; the submitter does not
// return until every helper that joined has left (`helpers` back to zero).
struct Job {
  const std::function<void(std::size_t)>* task;
  std::size_t count;
  // Tasks claimed per fetch_add: many tiny tasks (a pooling plane each) would otherwise pay a
  // contended atomic per task, which on two cores costs more than the tasks themselves.
  std::size_t block = 1;
  std::atomic<std::size_t> next{0};
  std::size_t seats;                // pool workers still allowed to join (guarded by pool mutex)
  std::atomic<int> helpers{0};      // pool workers currently inside the job
  std::mutex done_mutex;
  std::condition_variable done_cv;

  // Claims and runs tasks until none are left.
  void work() {
    for (;;) {
      const std::size_t first = next.fetch_add(block, std::memory_order_relaxed);
      if (first >= count) return;
      const std::size_t last = std::min(count, first + block);
      for (std::size_t i = first; i < last; i++) (*task)(i);
    }
  }
};

class Pool {
 public:
  static Pool& instance() {
    // Leaked on purpose: worker threads may still be parked at process exit, and destroying a
    // pool whose threads are blocked in a condition variable would hang or crash teardown.
    static Pool* pool = new Pool();
    return *pool;
  }

  std::size_t numThreads() const { return threads_.load(std::memory_order_relaxed); }
  void setNumThreads(std::size_t n) {
    threads_.store(std::clamp<std::size_t>(n, 1, 1024), std::memory_order_relaxed);
  }

  void run(std::size_t count, std::size_t max_threads,
           const std::function<void(std::size_t)>& task) {
    if (count == 0) return;
    const std::size_t threads = std::min({max_threads, numThreads(), count});
    if (threads <= 1) {
      for (std::size_t i = 0; i < count; i++) task(i);
      return;
    }
    Job job;
    job.task = &task;
    job.count = count;
    // About 16 claims per thread keep the load balanced when a thread starts late.
    job.block = std::max<std::size_t>(1, count / (threads * 16));
    job.seats = threads - 1;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ensureWorkers(threads - 1);
      jobs_.push_back(&job);
      pending_.fetch_add(1, std::memory_order_release);
    }
    if (sleepers_.load(std::memory_order_acquire) > 0) work_cv_.notify_all();

    job.work();

    // Withdraw the job so no further helper joins, then wait for the ones inside it.
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = std::find(jobs_.begin(), jobs_.end(), &job);
      if (it != jobs_.end()) {
        jobs_.erase(it);
        pending_.fetch_sub(1, std::memory_order_release);
      }
    }
    for (int spin = 0; spin < 20000; spin++) {
      if (job.helpers.load(std::memory_order_acquire) == 0) break;
      cpuRelax();
    }
    std::unique_lock<std::mutex> lock(job.done_mutex);
    job.done_cv.wait(lock, [&] { return job.helpers.load(std::memory_order_acquire) == 0; });
  }

 private:
  Pool() {
    std::size_t n = availableCpus();
    if (const char* env = std::getenv("KEEL_NUM_THREADS")) {
      // Digits only: " 3" or "+3" are refused like "3 " rather than half-accepted.
      const std::string text = env;
      if (!text.empty() && text.size() <= 4 &&
          text.find_first_not_of("0123456789") == std::string::npos && std::stoi(text) > 0) {
        n = static_cast<std::size_t>(std::stoi(text));
      }
    }
    setNumThreads(n);
  }

  // Called with mutex_ held.
  void ensureWorkers(std::size_t wanted) {
    while (workers_.size() < wanted) {
      workers_.emplace_back([this] { workerLoop(); });
      workers_.back().detach();
    }
  }

  // Called with mutex_ held: the oldest job that still has a free seat, taking the seat.
  Job* takeSeat() {
    for (Job* job : jobs_) {
      if (job->seats > 0 && job->next.load(std::memory_order_relaxed) < job->count) {
        job->seats--;
        job->helpers.fetch_add(1, std::memory_order_acq_rel);
        return job;
      }
    }
    return nullptr;
  }

  void workerLoop() {
    for (;;) {
      Job* job = nullptr;
      // Spin a little first: the next kernel of a training step usually arrives within
      // microseconds, and waking from a condition variable costs tens of them.
      const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
      while (job == nullptr) {
        if (pending_.load(std::memory_order_acquire) > 0) {
          std::lock_guard<std::mutex> lock(mutex_);
          job = takeSeat();
          if (job != nullptr) break;
        }
        if (std::chrono::steady_clock::now() >= spin_until) break;
        for (int i = 0; i < 64; i++) cpuRelax();
      }
      if (job == nullptr) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleepers_.fetch_add(1, std::memory_order_acq_rel);
        work_cv_.wait(lock, [&] {
          job = takeSeat();
          return job != nullptr;
        });
        sleepers_.fetch_sub(1, std::memory_order_acq_rel);
      }
      job->work();
      // Leave under the job's mutex: the submitter takes that mutex before it returns, so it
      // cannot destroy the job while this thread still touches it.
      {
        std::lock_guard<std::mutex> lock(job->done_mutex);
        if (job->helpers.fetch_sub(1, std::memory_order_acq_rel) == 1) job->done_cv.notify_all();
      }
    }
  }

  std::atomic<std::size_t> threads_{1};
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::deque<Job*> jobs_;
  std::atomic<int> pending_{0};
  std::atomic<int> sleepers_{0};
  std::vector<std::thread> workers_;
};

}  // namespace

std::size_t availableCpus() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<std::size_t>(n);
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

std::size_t numThreads() { return Pool::instance().numThreads(); }
void setNumThreads(std::size_t n) { Pool::instance().setNumThreads(n); }

void parallelFor(std::size_t count, std::size_t max_threads,
                 const std::function<void(std::size_t)>& task) {
  Pool::instance().run(count, max_threads, task);
}

}  // namespace keel
