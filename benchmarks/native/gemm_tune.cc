// GEMM GFLOP/s straight on the kernel library, without Node: a tuning aid for block sizes and
// micro-kernels. Usage: keel_gemm_tune [isa] [threads] [shapes...]
// A shape is either `n` (square n x n x n) or `MxKxN` (C is M x N, the depth is K), e.g.
//   keel_gemm_tune avx512 1 64 128 512 128x784x512 32768x576x64
// Each shape is timed as the best of several batches of back-to-back calls, so the noise of a
// shared machine shows up as a lower rate in some batches rather than in the reported one.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/cpu.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/ukernel.h"
#include "shape.h"

using namespace keel;

int main(int argc, char** argv) {
  Isa isa = bestIsa();
  if (argc > 1 && !parseIsa(argv[1], &isa)) isa = bestIsa();
  setActiveIsa(isa);
  const std::size_t threads = argc > 2 ? std::atoi(argv[2]) : 1;
  setNumThreads(threads);
  std::vector<Shape> shapes;
  for (int i = 3; i < argc; i++) {
    Shape s;
    if (!parseShape(argv[i], &s)) {
      std::fprintf(stderr, "bad shape '%s' (want n or MxKxN)\n", argv[i]);
      return 2;
    }
    shapes.push_back(s);
  }
  if (shapes.empty()) {
    for (std::size_t n : {64, 128, 256, 512, 1024, 2048}) shapes.push_back({n, n, n});
    shapes.push_back({128, 784, 512});
    shapes.push_back({128, 512, 256});
    shapes.push_back({32768, 576, 64});
  }
  // KEEL_TUNE_BLOCKS=kc,nc,mc[,deep_min_m,kc_deep,nc_deep] overrides the kernel's cache
  // blocking for this run (deep_min_m = 0: no deep blocking); several settings separated by ';'
  // are timed interleaved (batch by batch), so that a shared machine's drift hits them alike
  // and the best batch of each is comparable.
  GemmKernel& kern = const_cast<GemmKernel&>(f32GemmKernel(isa));
  struct Blocks {
    std::size_t kc, nc, mc, deep_min_m, kc_deep, nc_deep;
  };
  std::vector<Blocks> settings;
  if (const char* blocks = std::getenv("KEEL_TUNE_BLOCKS")) {
    for (const char* p = blocks; *p;) {
      Blocks b{kern.kc, kern.nc, kern.mc, kern.deep_min_m, kern.kc_deep, kern.nc_deep};
      std::sscanf(p, "%zu,%zu,%zu,%zu,%zu,%zu", &b.kc, &b.nc, &b.mc, &b.deep_min_m, &b.kc_deep,
                  &b.nc_deep);
      settings.push_back(b);
      const char* next = std::strchr(p, ';');
      if (next == nullptr) break;
      p = next + 1;
    }
  }
  if (settings.empty()) {
    settings.push_back({kern.kc, kern.nc, kern.mc, kern.deep_min_m, kern.kc_deep, kern.nc_deep});
  }
  // KEEL_TUNE_SUP=macs overrides the largest product that skips packing (0: never).
  // KEEL_TUNE_SUP_N=n: likewise for the column count; KEEL_TUNE_SUP_MACS_N=n: the most
  // columns the multiply-add rule applies to.
  if (const char* sup = std::getenv("KEEL_TUNE_SUP")) kern.sup_max_macs = std::atof(sup);
  if (const char* sup = std::getenv("KEEL_TUNE_SUP_N")) kern.sup_max_n = std::atoi(sup);
  if (const char* sup = std::getenv("KEEL_TUNE_SUP_MACS_N")) kern.sup_macs_max_n = std::atoi(sup);
  // KEEL_TUNE_REPS: timed batches per shape and setting (best one reported).
  int batches = 7;
  if (const char* r = std::getenv("KEEL_TUNE_REPS")) batches = std::max(1, std::atoi(r));
  const std::string macs_cols = kern.sup_macs_max_n == ~std::size_t{0}
                                    ? std::string("any n")
                                    : "n<=" + std::to_string(kern.sup_macs_max_n);
  std::printf("kernel %s, %zu thread(s), sup<=%g MACs (%s) or n<=%zu\n", kern.name, threads,
              kern.sup_max_macs, macs_cols.c_str(), kern.sup_max_n);
  for (const Shape& s : shapes) {
    std::vector<float> a(s.m * s.k, 0.5f), b(s.k * s.n, 0.25f), c(s.m * s.n);
    SgemmArgs g;
    g.m = s.m; g.n = s.n; g.k = s.k;
    g.a = a.data(); g.b = b.data(); g.c = c.data();
    g.lda = s.k; g.ldb = s.n; g.ldc = s.n;
    const double flops = 2.0 * s.m * s.n * s.k;
    // About 0.1 s per batch, at least 3 calls.
    // (Capped: for a 1 x 1 x 1 product the quotient overflows an int.)
    const int reps = static_cast<int>(std::min(2e6, std::max(3.0, 2e10 / flops)));
    std::vector<double> best(settings.size(), 1e30);
    for (int r = 0; r < batches; r++) {
      for (std::size_t v = 0; v < settings.size(); v++) {
        kern.kc = settings[v].kc;
        kern.nc = settings[v].nc;
        kern.mc = settings[v].mc;
        kern.deep_min_m = settings[v].deep_min_m;
        kern.kc_deep = settings[v].kc_deep;
        kern.nc_deep = settings[v].nc_deep;
        if (r == 0) {
          for (int i = 0; i < std::min(reps, 50); i++) sgemm(g, threads);  // warm caches, pool
        }
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < reps; i++) sgemm(g, threads);
        double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
        if (dt < best[v]) best[v] = dt;
      }
    }
    char label[64];
    if (s.m == s.n && s.n == s.k) {
      std::snprintf(label, sizeof label, "n=%zu", s.n);
    } else {
      std::snprintf(label, sizeof label, "%zux%zux%zu", s.m, s.k, s.n);
    }
    for (std::size_t v = 0; v < settings.size(); v++) {
      GemmKernel shown = kern;
      shown.kc = settings[v].kc;
      shown.nc = settings[v].nc;
      shown.deep_min_m = settings[v].deep_min_m;
      shown.kc_deep = settings[v].kc_deep;
      shown.nc_deep = settings[v].nc_deep;
      const GemmBlocking used = gemmBlocking(shown, s.m, s.k);  // what this shape ran with
      std::printf("%-14s kc=%-4zu nc=%-4zu mc=%-5zu deep(m>=%zu: %zu,%zu) -> %zu,%zu %7.1f GFLOP/s  %9.2f us\n",
                  label, settings[v].kc, settings[v].nc, settings[v].mc, settings[v].deep_min_m,
                  settings[v].kc_deep, settings[v].nc_deep, used.kc, used.nc,
                  flops / best[v] / 1e9, best[v] * 1e6);
    }
  }
  return 0;
}
