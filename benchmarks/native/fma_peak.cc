// Measures the machine's FP32 FMA peak per core: independent FMA chains on registers, long
// enough that loop overhead and latency vanish. Each ISA path is compiled with a target
// attribute and picked at run time, so this builds without -march=native.
//
// Usage: fma_peak [threads] [isa] [runs]. Prints JSON with the best GFLOP/s of each ISA (or of
// `isa` alone: avx2 or avx512) over all threads, best of `runs` timed runs (default 7).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define KEEL_X86 1
#endif

namespace {

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#ifdef KEEL_X86
// Throughput needs latency x pipes independent chains in flight (4 x 2 on Zen 4/5 and recent
// Intel), but twelve were not enough to saturate Zen 5's two 512-bit pipes in practice: the
// scheduler does not always issue the oldest ready FMA, so a chain that falls behind stalls a
// pipe. Using most of the register file (24 of 32 zmm, 14 of 16 ymm) leaves enough slack that
// the count reached equals what the GEMM micro-kernels reach in L1. The accumulators are named
// variables, not an array, so the compiler keeps them in registers; the empty asm statements
// stop it from folding or reordering the chains away.
#define KEEL_FMA_STEP(F, V) V = F(V, a, b);
#define KEEL_ACC14(X) X(V0) X(V1) X(V2) X(V3) X(V4) X(V5) X(V6) X(V7) X(V8) X(V9) X(V10) X(V11) \
                      X(V12) X(V13)
#define KEEL_ACC24(X) KEEL_ACC14(X) X(V14) X(V15) X(V16) X(V17) X(V18) X(V19) X(V20) X(V21) \
                      X(V22) X(V23)

__attribute__((target("avx2,fma"))) float fmaLoopAvx2(long iters) {
  const __m256 a = _mm256_set1_ps(0.9999999f), b = _mm256_set1_ps(1e-7f);
#define KEEL_INIT(V) __m256 V = _mm256_set1_ps(static_cast<float>(__LINE__));
  KEEL_ACC14(KEEL_INIT)
#undef KEEL_INIT
#define KEEL_STEP(V) KEEL_FMA_STEP(_mm256_fmadd_ps, V)
#define KEEL_PIN(V) __asm__ volatile("" : "+x"(V));
  for (long it = 0; it < iters; it++) {
    KEEL_ACC14(KEEL_STEP)
    KEEL_ACC14(KEEL_PIN)
  }
#undef KEEL_STEP
#undef KEEL_PIN
  __m256 s = _mm256_setzero_ps();
#define KEEL_SUM(V) s = _mm256_add_ps(s, V);
  KEEL_ACC14(KEEL_SUM)
#undef KEEL_SUM
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}

__attribute__((target("avx512f"))) float fmaLoopAvx512(long iters) {
  const __m512 a = _mm512_set1_ps(0.9999999f), b = _mm512_set1_ps(1e-7f);
#define KEEL_INIT(V) __m512 V = _mm512_set1_ps(static_cast<float>(__LINE__));
  KEEL_ACC24(KEEL_INIT)
#undef KEEL_INIT
#define KEEL_STEP(V) KEEL_FMA_STEP(_mm512_fmadd_ps, V)
#define KEEL_PIN(V) __asm__ volatile("" : "+v"(V));
  for (long it = 0; it < iters; it++) {
    KEEL_ACC24(KEEL_STEP)
    KEEL_ACC24(KEEL_PIN)
  }
#undef KEEL_STEP
#undef KEEL_PIN
  __m512 s = _mm512_setzero_ps();
#define KEEL_SUM(V) s = _mm512_add_ps(s, V);
  KEEL_ACC24(KEEL_SUM)
#undef KEEL_SUM
  return _mm512_reduce_add_ps(s);
}
#endif

// Best of several timed runs of `threads` concurrent copies of the loop, after a warm-up run
// long enough for the clock to settle (wide vector units may start at a lower frequency).
template <typename F>
double measure(F loop, long iters, double flops_per_iter, int threads, int runs) {
  volatile float sink = 0;
  {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) pool.emplace_back([&] { sink = loop(iters); });
    for (auto& th : pool) th.join();
  }
  double best = 0;
  for (int rep = 0; rep < runs; rep++) {
    std::vector<std::thread> pool;
    const double t0 = seconds();
    for (int t = 0; t < threads; t++) pool.emplace_back([&] { sink = loop(iters); });
    for (auto& th : pool) th.join();
    const double dt = seconds() - t0;
    const double rate = flops_per_iter * iters * threads / dt / 1e9;
    if (rate > best) best = rate;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  if (threads < 1) threads = 1;
  const char* only = argc > 2 ? argv[2] : nullptr;
  const bool want_avx2 = only == nullptr || std::strcmp(only, "avx2") == 0;
  const bool want_avx512 = only == nullptr || std::strcmp(only, "avx512") == 0;
  int runs = argc > 3 ? std::atoi(argv[3]) : 7;
  if (runs < 1) runs = 1;
  // About 0.1 s per run at ~3.5 GHz: thread start-up is noise, a preemption costs little.
  const long iters = 10000000;
  std::printf("{\"threads\":%d", threads);
#ifdef KEEL_X86
  __builtin_cpu_init();
  if (want_avx2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    const double g = measure(fmaLoopAvx2, iters, 14 * 8 * 2, threads, runs);
    std::printf(",\"avx2\":%.2f", g);
  }
  if (want_avx512 && __builtin_cpu_supports("avx512f")) {
    const double g = measure(fmaLoopAvx512, iters, 24 * 16 * 2, threads, runs);
    std::printf(",\"avx512\":%.2f", g);
  }
#endif
  std::printf("}\n");
  return 0;
}
