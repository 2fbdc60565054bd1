#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "core/cpu.h"
#include "core/thread_pool.h"
#include "core/aligned_alloc.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/pack.h"
#include "kernels/gemm/ukernel.h"

using namespace keel;

namespace {

struct Problem {
  bool ta, tb;
  std::size_t m, n, k, lda, ldb, ldc;
  float alpha, beta;
};

// C = alpha op(A) op(B) + beta C in double; also returns sum |a||b| per element for the bound.
void reference(const Problem& p, const std::vector<float>& a, const std::vector<float>& b,
               const std::vector<float>& c0, std::vector<double>& out, std::vector<double>& mag) {
  out.assign(p.m * p.ldc, 0.0);
  mag.assign(p.m * p.ldc, 0.0);
  for (std::size_t i = 0; i < p.m; i++) {
    for (std::size_t j = 0; j < p.n; j++) {
      double s = 0, sa = 0;
      for (std::size_t q = 0; q < p.k; q++) {
        const double x = p.ta ? a[q * p.lda + i] : a[i * p.lda + q];
        const double y = p.tb ? b[j * p.ldb + q] : b[q * p.ldb + j];
        s += x * y;
        sa += std::fabs(x * y);
      }
      const double prev = p.beta == 0.0f ? 0.0 : static_cast<double>(p.beta) * c0[i * p.ldc + j];
      out[i * p.ldc + j] = p.alpha * s + prev;
      mag[i * p.ldc + j] = std::fabs(p.alpha) * sa + std::fabs(prev);
    }
  }
}

std::string describe(const Problem& p, Isa isa, std::size_t threads) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "isa=%s threads=%zu ta=%d tb=%d m=%zu n=%zu k=%zu lda=%zu ldb=%zu ldc=%zu alpha=%g beta=%g",
                isaName(isa), threads, p.ta, p.tb, p.m, p.n, p.k, p.lda, p.ldb, p.ldc, p.alpha, p.beta);
  return buf;
}

bool runAndCheck(const Problem& p, Isa isa, std::size_t threads, std::mt19937& rng,
                 std::vector<float>* result = nullptr) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const std::size_t a_rows = p.ta ? p.k : p.m, b_rows = p.tb ? p.n : p.k;
  std::vector<float> a(a_rows * p.lda + 1), b(b_rows * p.ldb + 1), c(p.m * p.ldc + 1);
  for (auto& x : a) x = dist(rng);
  for (auto& x : b) x = dist(rng);
  for (auto& x : c) x = p.beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : dist(rng);
  const float sentinel = 12345.0f;
  // Padding columns of C past n must be left untouched.
  for (std::size_t i = 0; i < p.m; i++)
    for (std::size_t j = p.n; j < p.ldc; j++) c[i * p.ldc + j] = sentinel;
  std::vector<float> c0 = c;
  std::vector<double> want, mag;
  reference(p, a, b, c0, want, mag);
  SgemmArgs g;
  g.trans_a = p.ta; g.trans_b = p.tb; g.m = p.m; g.n = p.n; g.k = p.k; g.alpha = p.alpha;
  g.a = a.data(); g.lda = p.lda; g.b = b.data(); g.ldb = p.ldb; g.beta = p.beta;
  g.c = c.data(); g.ldc = p.ldc;
  setActiveIsa(isa);
  const bool ok = sgemm(g, threads);
  CHECK_MSG(ok, "sgemm returned false: " + describe(p, isa, threads));
  const double tol = 1e-5 * std::sqrt(static_cast<double>(std::max<std::size_t>(p.k, 1)));
  for (std::size_t i = 0; i < p.m; i++) {
    for (std::size_t j = 0; j < p.ldc; j++) {
      const float got = c[i * p.ldc + j];
      if (j >= p.n) {
        if (got != sentinel) {
          CHECK_MSG(false, "wrote past n: " + describe(p, isa, threads));
          return false;
        }
        continue;
      }
      const double err = std::fabs(got - want[i * p.ldc + j]);
      if (!(err <= tol * (mag[i * p.ldc + j] + 1e-30) + 1e-30)) {
        char buf[128];
        std::snprintf(buf, sizeof buf, " at (%zu,%zu): got %g want %g", i, j, got, want[i * p.ldc + j]);
        CHECK_MSG(false, describe(p, isa, threads) + buf);
        return false;
      }
    }
  }
  if (result) *result = c;
  return true;
}

// Runs p (checked against the float64 reference) at each thread count with the same inputs and
// requires every result to have the bits of the first. Returns that result (empty on failure).
std::vector<float> sameBitsAcrossThreads(const Problem& p, Isa isa,
                                         std::initializer_list<std::size_t> thread_counts,
                                         std::uint32_t seed, const std::string& what) {
  std::vector<float> ref;
  for (std::size_t threads : thread_counts) {
    std::mt19937 rng(seed);
    std::vector<float> out;
    if (!runAndCheck(p, isa, threads, rng, &out)) return {};
    if (ref.empty()) {
      ref = out;
    } else if (std::memcmp(ref.data(), out.data(), ref.size() * sizeof(float)) != 0) {
      CHECK_MSG(false, what + ": " + describe(p, isa, threads));
      return {};
    }
  }
  return ref;
}

std::vector<Isa> supportedIsas() {
  std::vector<Isa> out;
  for (int i = 0; i < kIsaCount; i++)
    if (isaSupported(static_cast<Isa>(i))) out.push_back(static_cast<Isa>(i));
  return out;
}

}  // namespace

TEST_CASE("sgemm matches a float64 reference for edge sizes, every transpose and ISA") {
  std::mt19937 rng(42);
  const Isa saved = activeIsa();
  setNumThreads(2);
  const std::size_t sizes[] = {1, 7, 17, 63, 64, 65};
  for (Isa isa : supportedIsas()) {
    for (std::size_t m : sizes)
      for (std::size_t n : {1, 17, 33, 64, 65})
        for (std::size_t k : {1, 7, 64, 65}) {
          const bool ta = (m + n + k) % 2, tb = (m * 3 + k) % 2;
          Problem p{ta, tb, m, n, k, 0, 0, 0, 1.0f, 0.0f};
          p.lda = (ta ? m : k) + (m % 3);
          p.ldb = (tb ? k : n) + (n % 2);
          p.ldc = n + (k % 2) * 3;
          runAndCheck(p, isa, 1 + (m % 2), rng);
        }
  }
  setActiveIsa(saved);
}

TEST_CASE("sgemm: alpha/beta variants and large sizes crossing every cache block") {
  std::mt19937 rng(7);
  const Isa saved = activeIsa();
  setNumThreads(2);
  const Problem problems[] = {
      {false, false, 255, 257, 1000, 1000, 257, 257, 1.0f, 0.0f},
      {true, false, 300, 129, 513, 300, 129, 140, 0.5f, 1.0f},
      {false, true, 31, 700, 90, 95, 90, 700, -2.0f, 0.25f},
      {true, true, 1000, 40, 33, 1000, 40, 41, 1.0f, -1.0f},
      {false, false, 4300, 33, 20, 20, 33, 33, 1.0f, 0.0f},
  };
  for (Isa isa : supportedIsas())
    for (const Problem& p : problems)
      for (std::size_t threads : {1, 2}) runAndCheck(p, isa, threads, rng);
  setActiveIsa(saved);
}

TEST_CASE("sgemm is bit-identical across thread counts") {
  const Isa saved = activeIsa();
  setNumThreads(8);
  for (Isa isa : supportedIsas()) {
    const Problem p{false, true, 203, 301, 777, 777, 777, 301, 1.0f, 0.5f};
    sameBitsAcrossThreads(p, isa, {1, 2, 3, 5, 8}, 99, "results differ between thread counts");
    // Deep blocking (on every ISA here) on rectangles cut across threads, the shared packed-A
    // path off: one deep block and two, every transpose.
    GemmKernel& kern = const_cast<GemmKernel&>(f32GemmKernel(isa));
    const GemmKernel tuned = kern;
    kern.shared_a_min_macs = 0;
    kern.deep_min_m = 256;
    kern.kc_deep = 2 * kern.kc;
    kern.nc_deep = 4 * kern.nr;
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (std::size_t k : {kern.kc + 88, 2 * kern.kc + 77}) {
          const std::size_t m = 300, n = 301;
          const Problem d{ta, tb, m, n, k, (ta ? m : k) + 1, (tb ? k : n) + 2, n + 3, 1.0f, 0.5f};
          sameBitsAcrossThreads(d, isa, {1, 2, 3, 5, 8}, 77, "deep blocking differs between thread counts");
        }
    kern = tuned;
  }
  setNumThreads(2);
  setActiveIsa(saved);
}

TEST_CASE("sgemm: k == 0 and alpha == 0 scale C by beta without reading A or B") {
  std::vector<float> c = {1, 2, 3, 4, 5, 6};
  SgemmArgs g;
  g.m = 2; g.n = 3; g.k = 0; g.lda = 1; g.ldb = 3; g.ldc = 3; g.c = c.data(); g.beta = 2.0f;
  CHECK(sgemm(g, 1));
  CHECK(c[0] == 2 && c[5] == 12);
  std::vector<float> a(4, std::numeric_limits<float>::quiet_NaN());
  g.k = 2; g.a = a.data(); g.lda = 2; g.b = a.data(); g.ldb = 3; g.alpha = 0.0f; g.beta = 0.0f;
  std::vector<float> b(6, std::numeric_limits<float>::quiet_NaN());
  g.b = b.data();
  CHECK(sgemm(g, 1));
  CHECK(c[0] == 0 && c[5] == 0);
}

TEST_CASE("sgemm propagates NaN and Inf from A and B") {
  const Isa saved = activeIsa();
  for (Isa isa : supportedIsas()) {
    setActiveIsa(isa);
    std::vector<float> a(20 * 20, 1.0f), b(20 * 20, 1.0f), c(20 * 20, 0.0f);
    a[3 * 20 + 5] = std::numeric_limits<float>::quiet_NaN();
    b[7 * 20 + 19] = std::numeric_limits<float>::infinity();
    SgemmArgs g;
    g.m = g.n = g.k = 20; g.a = a.data(); g.b = b.data(); g.c = c.data(); g.lda = g.ldb = g.ldc = 20;
    CHECK(sgemm(g, 1));
    CHECK(std::isnan(c[3 * 20 + 0]));
    CHECK(std::isinf(c[0 * 20 + 19]));
    CHECK(c[0] == 20.0f);
  }
  setActiveIsa(saved);
}

TEST_CASE("sgemmStridedBatched equals a loop of sgemm") {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1, 1);
  const std::size_t batch = 6, m = 9, n = 13, k = 11;
  std::vector<float> a(batch * m * k), b(batch * k * n), c(batch * m * n), want(batch * m * n);
  for (auto& x : a) x = dist(rng);
  for (auto& x : b) x = dist(rng);
  SgemmArgs g;
  g.m = m; g.n = n; g.k = k; g.lda = k; g.ldb = n; g.ldc = n;
  g.a = a.data(); g.b = b.data(); g.c = c.data();
  CHECK(sgemmStridedBatched(g, m * k, k * n, m * n, batch, 2));
  for (std::size_t i = 0; i < batch; i++) {
    SgemmArgs gi = g;
    gi.a = a.data() + i * m * k; gi.b = b.data() + i * k * n; gi.c = want.data() + i * m * n;
    CHECK(sgemm(gi, 1));
  }
  CHECK(std::memcmp(c.data(), want.data(), c.size() * sizeof(float)) == 0);
}

TEST_CASE("ISA packing routines write exactly what the generic packA / packB write") {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (Isa isa : supportedIsas()) {
    const GemmKernel& kern = f32GemmKernel(isa);
    if (kern.pack_a == nullptr && kern.pack_b == nullptr) continue;
    // Lane counts around the tile sides, depths around the 16-wide transpose blocks, offsets
    // into a larger matrix so leading dimensions and starting points are not aligned.
    for (std::size_t lanes : {std::size_t{1}, kern.mr - 1, kern.mr, kern.mr + 3, kern.nr - 1,
                              kern.nr, 2 * kern.nr + 5, std::size_t{70}, std::size_t{256}}) {
      for (std::size_t depth : {1, 5, 16, 17, 31, 33, 64, 600}) {
        for (bool trans : {false, true}) {
          const std::size_t off_lane = 3, off_depth = 2;
          const std::size_t rows = trans ? depth + off_depth : lanes + off_lane;
          const std::size_t ld = (trans ? lanes + off_lane : depth + off_depth) + 1;
          std::vector<float> src(rows * ld);
          for (auto& x : src) x = dist(rng);
          for (int which = 0; which < 2; which++) {
            const std::size_t w = which == 0 ? kern.mr : kern.nr;
            const std::size_t size = (lanes + w - 1) / w * w * depth + 64;
            // Packed panels are 64-byte aligned (ukernel.h): the ISA routines may rely on it.
            ScratchBuffer want_buf, got_buf;
            float* want = want_buf.reserve(size);
            float* got = got_buf.reserve(size);
            CHECK(want != nullptr && got != nullptr);
            if (want == nullptr || got == nullptr) return;
            std::fill(want, want + size, -7.0f);
            std::fill(got, got + size, -7.0f);
            // op(A) is lanes x depth, op(B) is depth x lanes: the same source serves both.
            if (which == 0) {
              if (kern.pack_a == nullptr) continue;
              const bool ta = trans;
              packA(want, src.data(), ld, ta, off_lane, lanes, off_depth, depth, w);
              kern.pack_a(got, src.data(), ld, ta, off_lane, lanes, off_depth, depth, w);
            } else {
              if (kern.pack_b == nullptr) continue;
              const bool tb = !trans;
              packB(want, src.data(), ld, tb, off_depth, depth, off_lane, lanes, w);
              kern.pack_b(got, src.data(), ld, tb, off_depth, depth, off_lane, lanes, w);
            }
            CHECK_MSG(std::memcmp(want, got, size * sizeof(float)) == 0,
                      std::string("packing differs: ") + kern.name + (which ? " B" : " A") +
                          " lanes=" + std::to_string(lanes) + " depth=" +
                          std::to_string(depth) + " trans=" + std::to_string(trans));
          }
        }
      }
    }
  }
}

namespace {

// Runs p with the kernel's small-product path forced on or off (the tuning knobs of ukernel.h
// are mutable for this, as benchmarks/native/gemm_tune.cc uses them). `edge_copy` also takes
// the strided kernel away, so the packed path's edge tiles run the full-tile kernel on a copy,
// as they do for kernels without a strided one.
bool runWithSup(const Problem& p, Isa isa, std::size_t threads, bool sup, std::uint32_t seed,
                std::vector<float>* out, bool edge_copy = false) {
  GemmKernel& kern = const_cast<GemmKernel&>(f32GemmKernel(isa));
  const double saved_macs = kern.sup_max_macs;
  const std::size_t saved_n = kern.sup_max_n;
  const GemmPanelStridedFn saved_strided = kern.strided;
  kern.sup_max_macs = sup ? 1e30 : 0;
  kern.sup_max_n = sup ? ~std::size_t{0} : 0;
  if (edge_copy) kern.strided = nullptr;
  std::mt19937 rng(seed);
  const bool ok = runAndCheck(p, isa, threads, rng, out);
  kern.sup_max_macs = saved_macs;
  kern.sup_max_n = saved_n;
  kern.strided = saved_strided;
  return ok;
}

}  // namespace

TEST_CASE("sgemm: the strided kernel gives the full-tile kernel's bits, in place and at edges") {
  const Isa saved = activeIsa();
  setNumThreads(4);
  std::vector<Problem> problems;
  // Every transpose; rows and columns around the tile sides (14 x 32 on AVX-512: a last column
  // tile 1, 16 and 18 wide after full ones; 6 x 16 on AVX2: last tiles 1, 2, 8, 9 and 15-16
  // wide), panels of one and two rows across several full tiles (the side-by-side tiles of
  // stridedTilesWide, four of 32 columns on AVX-512, two or four of 16 on AVX2, then the
  // tiles left over), leading dimensions past the columns, depths within and across depth
  // blocks (512 deep, so k = 600 runs as 304 + 296), alpha 1 and not, beta 0 over NaN.
  std::size_t idx = 0;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (std::size_t m : {1, 13, 14, 15, 16, 29, 64})
        for (std::size_t n : {1, 8, 9, 16, 17, 24, 25, 31, 32, 33, 40, 48, 50, 64, 65, 129, 160})
          for (std::size_t k : {1, 33, 385, 600}) {
            idx++;
            Problem p{ta, tb, m, n, k, 0, 0, 0, idx % 3 == 0 ? -0.5f : 1.0f,
                      idx % 2 == 0 ? 0.0f : 0.75f};
            p.lda = (ta ? m : k) + idx % 3;
            p.ldb = (tb ? k : n) + idx % 4;
            p.ldc = n + idx % 5;
            problems.push_back(p);
          }
  // Rows past AVX-512's deep threshold (256) in the small-product path (at most 64 columns),
  // and one- and two-row panels across two or more groups of side-by-side tiles.
  const Problem extra[] = {
      {false, false, 300, 40, 1100, 1100, 41, 40, 1.0f, 0.0f},
      {true, false, 260, 64, 600, 262, 64, 66, 1.0f, 0.75f},
      {false, true, 256, 33, 700, 700, 701, 35, -0.5f, 0.0f},
      {false, false, 1, 256, 385, 385, 256, 256, 1.0f, 0.0f},
      {false, false, 2, 257, 600, 600, 257, 259, 1.0f, 0.75f},
      {true, false, 15, 288, 385, 15, 290, 288, -0.5f, 0.0f},
      {false, true, 16, 520, 600, 601, 600, 520, 1.0f, 0.75f},
  };
  problems.insert(problems.end(), std::begin(extra), std::end(extra));
  for (Isa isa : supportedIsas()) {
    if (f32GemmKernel(isa).strided == nullptr) continue;
    std::uint32_t seed = 1;
    for (const Problem& p : problems) {
      seed++;
      std::vector<float> copied, packed, in_place, in_place_2;
      if (!runWithSup(p, isa, 1, false, seed, &copied, /*edge_copy=*/true)) break;
      if (!runWithSup(p, isa, 1, false, seed, &packed)) break;
      if (!runWithSup(p, isa, 1, true, seed, &in_place)) break;
      if (!runWithSup(p, isa, 3, true, seed, &in_place_2)) break;
      CHECK_MSG(std::memcmp(copied.data(), packed.data(), packed.size() * sizeof(float)) == 0,
                "strided edge tiles differ from full tiles on a copy: " + describe(p, isa, 1));
      CHECK_MSG(std::memcmp(packed.data(), in_place.data(), packed.size() * sizeof(float)) == 0,
                "small-product path differs from the packed one: " + describe(p, isa, 1));
      CHECK_MSG(std::memcmp(in_place.data(), in_place_2.data(), packed.size() * sizeof(float)) == 0,
                "small-product path differs across thread counts: " + describe(p, isa, 3));
    }
  }
  setNumThreads(2);
  setActiveIsa(saved);
}

TEST_CASE("sgemm: shapes around the small-product thresholds, default tuning") {
  std::mt19937 rng(3);
  const Isa saved = activeIsa();
  setNumThreads(2);
  // 400^3 = 6.4e7 multiply-adds and 64 columns; on AVX2 the multiply-add rule stops at 448
  // columns; lda a multiple of 1024 falls back to packing unless the columns are few.
  const Problem problems[] = {
      {false, false, 399, 401, 400, 400, 401, 401, 1.0f, 0.0f},
      {false, false, 400, 400, 400, 400, 400, 400, 1.0f, 0.5f},
      {true, true, 401, 400, 400, 401, 400, 403, 1.0f, 0.0f},
      {false, true, 700, 64, 300, 300, 300, 64, 1.0f, 0.0f},
      {true, false, 700, 65, 300, 700, 65, 65, 2.0f, 0.0f},
      {false, false, 40, 100, 1024, 1024, 100, 100, 1.0f, 0.0f},
      {false, false, 40, 64, 1024, 1024, 64, 64, 1.0f, 1.0f},
      {false, false, 50, 448, 300, 300, 448, 448, 1.0f, 0.0f},
      {true, false, 50, 449, 300, 50, 449, 449, 1.0f, 0.0f},
      // From 256 rows, AVX-512 blocks deeper: one depth block, two, and the small-product path.
      {false, false, 300, 140, 1000, 1000, 140, 140, 1.0f, 0.5f},
      {true, true, 260, 130, 1100, 260, 1100, 133, -1.0f, 0.0f},
      {false, false, 600, 40, 1500, 1500, 40, 40, 1.0f, 1.0f},
  };
  for (Isa isa : supportedIsas())
    for (const Problem& p : problems)
      for (std::size_t threads : {1, 2}) runAndCheck(p, isa, threads, rng);
  setActiveIsa(saved);
}

TEST_CASE("sgemmPackedA gives sgemm's bits, for every thread count, transpose and ISA") {
  const Isa saved = activeIsa();
  const std::size_t saved_threads = numThreads();
  setNumThreads(4);
  std::size_t idx = 0;
  for (Isa isa : supportedIsas()) {
    setActiveIsa(isa);
    const GemmKernel& kern = f32GemmKernel(isa);
    // Rows around the tile height and past the mc block (avx2's 4096 is not a multiple of its 6
    // rows), depths below, at and past the kc block (several equal depth blocks), and columns
    // around the tile width, with leading dimensions past the columns.
    for (std::size_t m : {std::size_t{1}, kern.mr - 1, kern.mr, kern.mr + 1, std::size_t{255},
                          std::size_t{256}, std::size_t{1024}, kern.mc + kern.mr + 3})
      for (std::size_t k : {std::size_t{1}, std::size_t{33}, kern.kc, kern.kc + 1, 3 * kern.kc + 5,
                            2 * std::max(kern.kc, kern.kc_deep) + 3})
        for (std::size_t n : {std::size_t{1}, kern.nr, kern.nr + 3, std::size_t{70}}) {
          if (m * k * n > 4e7) continue;  // keeps the sanitizer run short
          idx++;
          const bool ta = idx % 2 == 0, tb = idx % 3 == 0;
          const float beta = idx % 4 == 0 ? 0.0f : 0.5f;
          const std::size_t lda = (ta ? m : k) + idx % 3, ldb = (tb ? k : n) + idx % 4, ldc = n + idx % 5;
          std::mt19937 rng(static_cast<std::uint32_t>(idx));
          std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
          std::vector<float> a((ta ? k : m) * lda), b((tb ? n : k) * ldb), c0(m * ldc);
          for (auto& x : a) x = dist(rng);
          for (auto& x : b) x = dist(rng);
          for (auto& x : c0) x = dist(rng);
          if (beta == 0.0f) std::fill(c0.begin(), c0.end(), std::numeric_limits<float>::quiet_NaN());
          std::vector<float> want = c0;
          CHECK(sgemm(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, beta, want.data(), ldc, 1));
          ScratchBuffer packed;
          float* pa = packed.reserve(packedASize(isa, m, k));
          CHECK(pa != nullptr);
          packAForGemm(isa, pa, a.data(), lda, ta, m, k);
          for (std::size_t threads : {1, 2, 3}) {
            std::vector<float> got = c0;
            CHECK(sgemmPackedA(isa, pa, m, k, tb, n, b.data(), ldb, beta, got.data(), ldc, threads));
            bool same = true;
            for (std::size_t i = 0; i < m && same; i++)
              same = std::memcmp(got.data() + i * ldc, want.data() + i * ldc, n * sizeof(float)) == 0 &&
                     std::equal(got.begin() + i * ldc + n, got.begin() + (i + 1) * ldc, c0.begin() + i * ldc + n,
                                [](float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; });
            const Problem p{ta, tb, m, n, k, lda, ldb, ldc, 1.0f, beta};
            CHECK_MSG(same, "sgemmPackedA differs from sgemm: " + describe(p, isa, threads));
          }
        }
  }
  setNumThreads(saved_threads);
  setActiveIsa(saved);
}

TEST_CASE("sgemm: the shared packed-A path gives the rectangles' bits, across row blocks") {
  // One thread runs the rectangles; several share each packed A block (gemmSharedA). With the
  // threshold at 1, the small-product path off and small mc and nc, these moderate shapes take
  // the shared path on every ISA with several row blocks, three or more depth blocks (so a
  // buffer is reused and its packing must wait), several column blocks, a single panel, and
  // edge tiles on every side. The same products are also run from inside pool tasks, where
  // the inner parallelFor may get no helper thread and must still finish.
  const Isa saved = activeIsa();
  const std::size_t saved_threads = numThreads();
  setNumThreads(5);
  const Problem problems[] = {
      {false, false, 101, 300, 1100, 1100, 300, 303, 1.0f, 0.0f},
      {true, false, 90, 513, 1600, 91, 515, 513, 0.5f, 1.0f},
      {false, true, 57, 290, 1030, 1030, 1030, 290, -1.0f, 0.25f},
      {true, true, 140, 257, 1700, 140, 1700, 260, 2.0f, -0.5f},
      {false, false, 3, 200, 1600, 1600, 200, 200, 1.0f, 0.5f},  // one panel
      {true, false, 13, 65, 2000, 13, 65, 65, 1.0f, 0.0f},
  };
  for (Isa isa : supportedIsas()) {
    GemmKernel& kern = const_cast<GemmKernel&>(f32GemmKernel(isa));
    const GemmKernel tuned = kern;
    kern.shared_a_min_macs = 1;
    kern.sup_max_macs = 0;
    kern.sup_max_n = 0;
    kern.mc = 3 * kern.mr;
    kern.nc = 2 * kern.nr;
    // Rows from 100 (the 101- and 140-row products) take the deep blocking, here blocks of
    // three tiles wide by up to 320 deep.
    kern.deep_min_m = 100;
    kern.kc_deep = 320;
    kern.nc_deep = 3 * kern.nr;
    for (const Problem& p : problems) {
      const std::vector<float> ref = sameBitsAcrossThreads(
          p, isa, {1, 2, 3, 5}, 1234, "shared packed-A path differs from one thread");
      if (ref.empty()) continue;
      const std::size_t a_rows = p.ta ? p.k : p.m, b_rows = p.tb ? p.n : p.k;
      std::mt19937 rng(99);
      std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
      std::vector<float> a(a_rows * p.lda), b(b_rows * p.ldb), c0(p.m * p.ldc);
      for (auto& x : a) x = dist(rng);
      for (auto& x : b) x = dist(rng);
      for (auto& x : c0) x = dist(rng);
      auto args = [&](float* c) {
        SgemmArgs g;
        g.trans_a = p.ta; g.trans_b = p.tb; g.m = p.m; g.n = p.n; g.k = p.k; g.alpha = p.alpha;
        g.a = a.data(); g.lda = p.lda; g.b = b.data(); g.ldb = p.ldb; g.beta = p.beta;
        g.c = c; g.ldc = p.ldc;
        return g;
      };
      std::vector<float> one = c0;
      CHECK(sgemm(args(one.data()), 1));
      std::vector<std::vector<float>> outs(6, c0);
      std::atomic<int> done{0};
      parallelFor(outs.size(), 5, [&](std::size_t i) {
        if (sgemm(args(outs[i].data()), 3)) done.fetch_add(1);
      });
      CHECK(done.load() == static_cast<int>(outs.size()));
      for (const auto& o : outs) {
        CHECK_MSG(std::memcmp(one.data(), o.data(), one.size() * sizeof(float)) == 0,
                  "shared packed-A path from inside pool tasks differs: " + describe(p, isa, 3));
      }
    }
    kern = tuned;
  }
  setNumThreads(saved_threads);
  setActiveIsa(saved);
}
