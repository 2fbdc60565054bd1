// One process-wide pool of worker threads shared by every addon instance (main thread and
// worker_threads alike), so several JS threads running kernels at once do not oversubscribe the
// cores. The thread that submits work runs tasks too, so `n` threads means n-1 pool workers.
// Workers spin briefly after a job (back-to-back kernels are common in a training step) and
// then sleep on a condition variable, so an idle pool costs no CPU.
#pragma once
#include <cstddef>
#include <functional>

namespace keel {

// Threads available to this process (affinity mask, cgroup-unaware), at least 1.
std::size_t availableCpus();

// The number of threads kernels use, including the caller. Defaults to KEEL_NUM_THREADS when
// set to a positive integer, else availableCpus().
std::size_t numThreads();
// Clamped to [1, 1024]. Process-wide.
void setNumThreads(std::size_t n);

// Runs task(i) for every i in [0, count), on at most `max_threads` threads (the caller
// included), and returns when all have finished. Tasks must not throw. Task order and the
// thread each runs on are unspecified: callers that need bit-identical results make each
// task's output independent of which thread computes it.
void parallelFor(std::size_t count, std::size_t max_threads,
                 const std::function<void(std::size_t)>& task);

}  // namespace keel
