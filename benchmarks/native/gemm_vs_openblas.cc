// Keel's sgemm beside OpenBLAS's in one process, alternated every ~0.1 s: on a shared machine
// this is the steadiest ratio we have (npm run bench:gemm alternates two processes every few
// hundred milliseconds, and a disturbance can fall on one side of a row). OpenBLAS is loaded at
// run time (libopenblas.so.0, Debian's libopenblas0-pthread), so this builds everywhere.
// Usage: keel_gemm_vs_openblas threads shape...   (shape: n or MxKxN, as keel_gemm_tune)
//   OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE pin OpenBLAS to older kernels: unset them, or set
//   both sides to one instruction set, e.g. KEEL_ISA=avx2 OPENBLAS_CORETYPE=Haswell.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/cpu.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "shape.h"

using namespace keel;

namespace {

// cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*,
                            int, float, float*, int);
using SetThreads = void (*)(int);
constexpr int kRowMajor = 101, kNoTrans = 111;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Operands {
  std::vector<float> a, b, c;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s threads shape... (shape: n or MxKxN)\n", argv[0]);
    return 2;
  }
  void* lib = dlopen("libopenblas.so.0", RTLD_NOW);
  auto* peer = lib ? reinterpret_cast<CblasSgemm>(dlsym(lib, "cblas_sgemm")) : nullptr;
  auto* peer_threads = lib ? reinterpret_cast<SetThreads>(dlsym(lib, "openblas_set_num_threads")) : nullptr;
  if (peer == nullptr || peer_threads == nullptr) {
    std::fprintf(stderr, "libopenblas.so.0 with cblas_sgemm not found (Debian: libopenblas0-pthread)\n");
    return 1;
  }
  const std::string isa_error = applyIsaFromEnvironment();
  if (!isa_error.empty()) {
    std::fprintf(stderr, "%s\n", isa_error.c_str());
    return 2;
  }
  const int threads = std::max(1, std::atoi(argv[1]));
  setNumThreads(threads);
  peer_threads(threads);
  std::printf("Keel %s vs OpenBLAS, %d thread(s); medians of 10 alternated rounds, operands rotated past 4 MiB\n",
              isaName(activeIsa()), threads);
  for (int i = 2; i < argc; i++) {
    Shape shape;
    if (!parseShape(argv[i], &shape)) {
      std::fprintf(stderr, "bad shape '%s' (want n or MxKxN)\n", argv[i]);
      return 2;
    }
    const std::size_t m = shape.m, k = shape.k, n = shape.n;
    // As bench:gemm: enough operand sets to exceed the L2, so small shapes start cold.
    const std::size_t per_set = 4 * (m * k + k * n + m * n);
    const std::size_t count = std::max<std::size_t>(1, std::min<std::size_t>(16, (4u << 20) / per_set));
    std::vector<Operands> sets(count);
    unsigned seed = 1;
    for (Operands& s : sets) {
      s.a.resize(m * k);
      s.b.resize(k * n);
      s.c.resize(m * n);
      for (float& x : s.a) x = static_cast<float>((seed = seed * 1103515245u + 12345u) >> 8) / 16777216.0f - 0.5f;
      for (float& x : s.b) x = static_cast<float>((seed = seed * 1103515245u + 12345u) >> 8) / 16777216.0f - 0.5f;
    }
    const double flops = 2.0 * m * n * k;
    // About 0.1 s per side and round at ~200 GFLOP/s per thread.
    const int reps = static_cast<int>(std::max(3.0, std::min(1e6, 2e10 * threads / flops)));
    std::vector<double> keel_t, peer_t;
    for (int round = 0; round < 10; round++) {
      for (int side = 0; side < 2; side++) {
        usleep(20000);  // OpenBLAS's idle threads spin for a while after a call
        const bool keel_side = (side == 0) == (round % 2 == 0);  // take turns going first
        const double t0 = now();
        for (int r = 0; r < reps; r++) {
          Operands& s = sets[r % count];
          if (keel_side) {
            SgemmArgs g;
            g.m = m, g.n = n, g.k = k;
            g.a = s.a.data(), g.b = s.b.data(), g.c = s.c.data();
            g.lda = k, g.ldb = n, g.ldc = n;
            sgemm(g, threads);
          } else {
            peer(kRowMajor, kNoTrans, kNoTrans, static_cast<int>(m), static_cast<int>(n),
                 static_cast<int>(k), 1.0f, s.a.data(), static_cast<int>(k), s.b.data(),
                 static_cast<int>(n), 0.0f, s.c.data(), static_cast<int>(n));
          }
        }
        (keel_side ? keel_t : peer_t).push_back((now() - t0) / reps);
      }
    }
    std::sort(keel_t.begin(), keel_t.end());
    std::sort(peer_t.begin(), peer_t.end());
    const double keel_med = (keel_t[4] + keel_t[5]) / 2, peer_med = (peer_t[4] + peer_t[5]) / 2;
    std::printf("%-16s keel %7.1f GFLOP/s  openblas %7.1f GFLOP/s  ratio %.2f\n", argv[i],
                flops / keel_med / 1e9, flops / peer_med / 1e9, peer_med / keel_med);
  }
  return 0;
}
