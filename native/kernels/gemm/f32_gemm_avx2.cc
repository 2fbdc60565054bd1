// AVX2 + FMA micro-kernel. This translation unit alone is compiled with -mavx2 -mfma; nothing
// here runs unless CPUID and XGETBV said the machine can (core/cpu.cc).
#include <immintrin.h>

#include <array>
#include <utility>

#include "pack.h"
#include "ukernel.h"

namespace keel {
namespace {

constexpr std::size_t kMr = 6, kNr = 16;
// The small-product path's reach (ukernel.h sup_max_macs, sup_max_n, sup_macs_max_n). In place
// against packed, one thread on Zen 5 forced to AVX2, interleaved: squares n = 16-448 1.04-2.1x
// (n = 64: 1.25x), 128x512x256 1.08x, 128x784x256 1.11x, and with few columns at any size
// (32768x576x64 1.14x, 4096x256x64 1.20x). From 512 columns it loses (128x784x512 0.93x,
// 512x128x512 0.90x, n = 1024 columns 0.62-0.77x), and a transposed A in place loses on large
// products (1000x1000x300: 0.93x), hence the column cap and the same size cap as AVX-512.
constexpr double kAvx2SupMaxMacs = 6.4e7;
constexpr std::size_t kAvx2SupMaxN = 64;
constexpr std::size_t kAvx2SupMacsMaxN = 448;

// The accumulators are named variables, not an array: compilers keep arrays of vectors
// partly in memory, which turns every FMA into a store-forwarding round trip.
#define KEEL_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define KEEL_DECLARE(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = _mm256_setzero_ps();
#define KEEL_PREFETCH(i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#define KEEL_FMA(i)                                \
  {                                                \
    const __m256 ai = _mm256_broadcast_ss(a + i);  \
    c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);    \
    c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);    \
  }
#define KEEL_STORE(i)                                                  \
  _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(valpha, c##i##0));       \
  _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(valpha, c##i##1));
#define KEEL_UPDATE(i)                                                                          \
  _mm256_storeu_ps(c + i * ldc, _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(c + i * ldc),           \
                                                _mm256_mul_ps(valpha, c##i##0)));              \
  _mm256_storeu_ps(c + i * ldc + 8, _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(c + i * ldc + 8),   \
                                                    _mm256_mul_ps(valpha, c##i##1)));

// 6 x 16 tile: 12 ymm accumulators, 2 B vectors and 1 broadcast, 15 of 16 registers. Twelve
// independent FMAs per depth step cover the FMA latency (4 cycles) on both pipes.
void f32_gemm_6x16__avx2(std::size_t kc, const float* a, const float* b, float* c,
                         std::size_t ldc, float alpha, float beta) {
  KEEL_ROWS(KEEL_DECLARE)
  KEEL_ROWS(KEEL_PREFETCH)
#pragma GCC unroll 4
  for (std::size_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    KEEL_ROWS(KEEL_FMA)
    a += kMr;
    b += kNr;
  }
  const __m256 valpha = _mm256_set1_ps(alpha);
  if (beta == 0.0f) {
    KEEL_ROWS(KEEL_STORE)
  } else {
    const __m256 vbeta = _mm256_set1_ps(beta);
    KEEL_ROWS(KEEL_UPDATE)
  }
}

// ---- Packing (pack.h layout) -------------------------------------------------------------

// In-register 8 x 8 transpose: r[i] lane j <- r[j] lane i.
inline void transpose8x8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 2; g++) {
    u[4 * g] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int j = 0; j < 4; j++) {
    r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
  }
}

// A row-major A (not transposed) as 6-row panels: blocks of 6 rows x 8 depth steps are
// transposed in registers, where the generic packer moves one float at a time. Depth tails and
// a short last panel take the generic path, so the layout is packA's exactly. Against the
// generic packer (Zen 5 forced to AVX2, interleaved): one thread +3% at n = 512 and
// 960x1000x300, +2-4% at 128x784x512, +0.5% at n = 1024-2048; two threads +1-9%.
void packA_avx2(float* dst, const float* a, std::size_t lda, bool trans_a, std::size_t i0,
                std::size_t mc, std::size_t p0, std::size_t kc, std::size_t mr) {
  const std::size_t full_panels = trans_a ? 0 : mc / kMr;
  const std::size_t kc8 = kc / 8 * 8;
  for (std::size_t q = 0; q < full_panels && kc8 > 0; q++) {
    const float* src = a + (i0 + q * kMr) * lda + p0;
    float* out = dst + q * kMr * kc;
    for (std::size_t p = 0; p < kc8; p += 8) {
      __m256 r[8];
      for (std::size_t l = 0; l < kMr; l++) r[l] = _mm256_loadu_ps(src + l * lda + p);
      r[6] = r[7] = _mm256_setzero_ps();
      transpose8x8(r);
      // Each depth step is 6 floats; an 8-float store overlaps the next step's first two,
      // which the next store rewrites. The block's last step is written in 4 + 2.
      float* o = out + p * kMr;
      for (std::size_t d = 0; d < 7; d++) _mm256_storeu_ps(o + d * kMr, r[d]);
      const __m128 lo = _mm256_castps256_ps128(r[7]);
      _mm_storeu_ps(o + 7 * kMr, lo);
      _mm_storeu_si64(o + 7 * kMr + 4, _mm_castps_si128(_mm256_extractf128_ps(r[7], 1)));
    }
    for (std::size_t p = kc8; p < kc; p++)
      for (std::size_t l = 0; l < kMr; l++) out[p * kMr + l] = src[l * lda + p];
  }
  const std::size_t done = kc8 > 0 ? full_panels * kMr : 0;
  if (done < mc) packA(dst + done * kc, a, lda, trans_a, i0 + done, mc - done, p0, kc, mr);
}

// A row-major B (not transposed) as 16-column panels. A panel at a time would read a 64-byte
// strip of every source row before moving to the next strip; instead a band of 16 rows is swept
// across all full panels, so each source row is read as one run that the hardware prefetcher
// follows. A short last panel and a transposed B take the generic path; the layout is packB's.
void packB_avx2(float* dst, const float* b, std::size_t ldb, bool trans_b, std::size_t p0,
                std::size_t kc, std::size_t j0, std::size_t nc, std::size_t nr /*== kNr*/) {
  const std::size_t full_panels = trans_b ? 0 : nc / kNr;
  if (full_panels > 0) {
    constexpr std::size_t kRowBand = 16;
    const float* src = b + p0 * ldb + j0;
    for (std::size_t r0 = 0; r0 < kc; r0 += kRowBand) {
      const std::size_t r1 = kc - r0 < kRowBand ? kc : r0 + kRowBand;
      for (std::size_t q = 0; q < full_panels; q++) {
        float* out = dst + q * kNr * kc;
        for (std::size_t p = r0; p < r1; p++) {
          const float* in = src + p * ldb + q * kNr;
          _mm256_store_ps(out + p * kNr, _mm256_loadu_ps(in));
          _mm256_store_ps(out + p * kNr + 8, _mm256_loadu_ps(in + 8));
        }
      }
    }
  }
  const std::size_t done = full_panels * kNr;
  if (done < nc) packB(dst + done * kc, b, ldb, trans_b, p0, kc, j0 + done, nc - done, nr);
}

// ---- Strided kernel (ukernel.h GemmPanelStridedFn) -----------------------------------------

// The same per-element arithmetic as f32_gemm_6x16__avx2 for any MR <= 6 rows and one or two
// 8-lane column vectors, so edge tiles and unpacked operands give the bits of a full tile.
// kRowA: a(i, p) = a[i*a_stride + p] (row-major A in place); otherwise a(i, p) =
// a[p*a_stride + i] (a packed panel, or a transposed A in place).
// kMaskLast: the tile's last vector covers fewer than 8 columns; columns past them are neither
// loaded from B nor loaded or stored in C.
#define KEEL_S_DECLARE(i) __m256 s##i##_0 = _mm256_setzero_ps(), s##i##_1 = _mm256_setzero_ps();
#define KEEL_S_PREFETCH(i) \
  if constexpr (i < MR) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#define KEEL_S_FMA(i)                                                                        \
  if constexpr (i < MR) {                                                                    \
    const __m256 ai = _mm256_broadcast_ss(kRowA ? a + i * a_stride + p : a + p * a_stride + i); \
    s##i##_0 = _mm256_fmadd_ps(ai, b0, s##i##_0);                                            \
    if constexpr (NV == 2) s##i##_1 = _mm256_fmadd_ps(ai, b1, s##i##_1);                     \
  }
// alpha * acc is acc exactly when alpha is 1, so skipping the multiply changes no bits.
#define KEEL_S_SCALED(acc) (scale ? _mm256_mul_ps(valpha, acc) : acc)
#define KEEL_S_STORE(i)                                                          \
  if constexpr (i < MR) {                                                        \
    storeC<kMask0>(c + i * ldc, n_last, KEEL_S_SCALED(s##i##_0));                \
    if constexpr (NV == 2) storeC<kMaskLast>(c + i * ldc + 8, n_last, KEEL_S_SCALED(s##i##_1)); \
  }
#define KEEL_S_UPDATE(i)                                                                    \
  if constexpr (i < MR) {                                                                   \
    storeC<kMask0>(c + i * ldc, n_last,                                                     \
                   _mm256_fmadd_ps(vbeta, loadC<kMask0>(c + i * ldc, n_last),               \
                                   KEEL_S_SCALED(s##i##_0)));                               \
    if constexpr (NV == 2)                                                                  \
      storeC<kMaskLast>(c + i * ldc + 8, n_last,                                            \
                        _mm256_fmadd_ps(vbeta, loadC<kMaskLast>(c + i * ldc + 8, n_last),   \
                                        KEEL_S_SCALED(s##i##_1)));                          \
  }

// B's last tile in place: a masked load, which never touches the columns past the mask.
template <bool kMasked>
inline __m256 loadColumns(const float* p, __m256i mask) {
  if constexpr (kMasked) {
    return _mm256_maskload_ps(p, mask);
  } else {
    return _mm256_loadu_ps(p);
  }
}

// C's last vector, n < 8 lanes, in 4-, 2- and 1-float pieces: with vmaskmovps loads and stores
// of C, packed products with a column edge ran 6-7% slower on Zen 5 (960x1000x300: 0.93x).
template <bool kPartial>
inline __m256 loadC(const float* p, std::size_t n) {
  if constexpr (!kPartial) {
    return _mm256_loadu_ps(p);
  } else {
    __m128 lo = _mm_setzero_ps(), hi = _mm_setzero_ps();
    __m128* part = &lo;
    if (n >= 4) {
      lo = _mm_loadu_ps(p);
      p += 4;
      n -= 4;
      part = &hi;
    }
    __m128 piece = _mm_setzero_ps();
    if (n >= 2) {
      piece = _mm_castsi128_ps(_mm_loadu_si64(p));  // unaligned 2 floats
      if (n == 3) piece = _mm_insert_ps(piece, _mm_load_ss(p + 2), 0x20);
    } else if (n == 1) {
      piece = _mm_load_ss(p);
    }
    if (n > 0) *part = piece;
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
  }
}

template <bool kPartial>
inline void storeC(float* p, std::size_t n, __m256 v) {
  if constexpr (!kPartial) {
    _mm256_storeu_ps(p, v);
  } else {
    __m128 part = _mm256_castps256_ps128(v);
    if (n >= 4) {
      _mm_storeu_ps(p, part);
      part = _mm256_extractf128_ps(v, 1);
      p += 4;
      n -= 4;
    }
    if (n >= 2) {
      _mm_storeu_si64(p, _mm_castps_si128(part));
      part = _mm_movehl_ps(part, part);
      p += 2;
      n -= 2;
    }
    if (n == 1) _mm_store_ss(p, part);
  }
}

// Lanes [0, n) of an 8-lane group, n <= 8, as a maskload/maskstore mask.
inline __m256i laneMask(std::size_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// One MR x (8 NV) tile of C, kc deep; with kMaskLast its last vector has n_last < 8 columns
// (`mask` selects them in B).
template <std::size_t MR, std::size_t NV, bool kRowA, bool kMaskLast>
__attribute__((noinline)) void stridedTile(std::size_t kc, const float* a, std::size_t a_stride,
                                           const float* b, std::size_t b_rs, float* c,
                                           std::size_t ldc, float alpha, float beta,
                                           __m256i mask, std::size_t n_last) {
  constexpr bool kMask0 = kMaskLast && NV == 1;  // the first vector is the last one
  KEEL_ROWS(KEEL_S_DECLARE)
  KEEL_ROWS(KEEL_S_PREFETCH)
  // B read in place arrives a row per depth step, ldb apart: fetched 16 steps ahead, as the
  // AVX-512 kernel does (short depths skip it; past the end of B these never fault).
  const bool prefetch_b = kc >= 128;
#pragma GCC unroll 2
  for (std::size_t p = 0; p < kc; p++) {
    if (prefetch_b) _mm_prefetch(reinterpret_cast<const char*>(b + 16 * b_rs), _MM_HINT_T0);
    const __m256 b0 = loadColumns<kMask0>(b, mask);
    const __m256 b1 = NV == 2 ? loadColumns<kMaskLast>(b + 8, mask) : _mm256_setzero_ps();
    KEEL_ROWS(KEEL_S_FMA)
    b += b_rs;
  }
  const bool scale = alpha != 1.0f;
  const __m256 valpha = _mm256_set1_ps(alpha);
  if (beta == 0.0f) {
    KEEL_ROWS(KEEL_S_STORE)
  } else {
    const __m256 vbeta = _mm256_set1_ps(beta);
    KEEL_ROWS(KEEL_S_UPDATE)
  }
}

// T full tiles side by side for panels of one or two rows, with the arithmetic per element of
// stridedTile: one such tile has only two or four accumulators, too few chains to keep two FMA
// pipes busy through their latency.
template <std::size_t MR, std::size_t T, bool kRowA>
__attribute__((noinline)) void stridedTilesWide(std::size_t kc, const float* a,
                                                std::size_t a_stride, const float* b,
                                                std::size_t b_rs, std::size_t b_ts, float* c,
                                                std::size_t ldc, float alpha, float beta) {
  constexpr std::size_t V = 2 * T;  // 8-lane vectors across the T tiles
  __m256 acc[MR][V];
  for (std::size_t i = 0; i < MR; i++)
    for (std::size_t v = 0; v < V; v++) acc[i][v] = _mm256_setzero_ps();
  for (std::size_t i = 0; i < MR; i++)
    for (std::size_t t = 0; t < T; t++)
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + t * kNr), _MM_HINT_T0);
  const bool prefetch_b = kc >= 128;  // as stridedTile: each row of B 16 steps ahead
  for (std::size_t p = 0; p < kc; p++) {
    const float* row = b + p * b_rs;
    __m256 bv[V];
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; v++) {
      if (prefetch_b && v % 2 == 0) {
        _mm_prefetch(reinterpret_cast<const char*>(row + 16 * b_rs + (v / 2) * b_ts), _MM_HINT_T0);
      }
      bv[v] = _mm256_loadu_ps(row + (v / 2) * b_ts + (v % 2) * 8);
    }
#pragma GCC unroll 2
    for (std::size_t i = 0; i < MR; i++) {
      const __m256 ai = _mm256_broadcast_ss(kRowA ? a + i * a_stride + p : a + p * a_stride + i);
#pragma GCC unroll 8
      for (std::size_t v = 0; v < V; v++) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  const bool scale = alpha != 1.0f;
  const __m256 valpha = _mm256_set1_ps(alpha);
  const __m256 vbeta = _mm256_set1_ps(beta);
#pragma GCC unroll 2
  for (std::size_t i = 0; i < MR; i++) {
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; v++) {
      float* cp = c + i * ldc + (v / 2) * kNr + (v % 2) * 8;
      const __m256 r = scale ? _mm256_mul_ps(valpha, acc[i][v]) : acc[i][v];
      _mm256_storeu_ps(cp, beta == 0.0f ? r : _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(cp), r));
    }
  }
}

// An MR-row panel of C across nc columns: full 16-column tiles, then a narrower one.
template <std::size_t MR, bool kRowA>
void f32_gemm_strided__avx2(std::size_t nc, std::size_t kc, const float* a, std::size_t a_stride,
                            const float* b, std::size_t b_rs, std::size_t b_ts, float* c,
                            std::size_t ldc, float alpha, float beta) {
  const __m256i all = _mm256_set1_epi32(-1);
  std::size_t j = 0;
  if constexpr (MR <= 2) {
    constexpr std::size_t T = MR == 1 ? 4 : 2;
    for (; j + T * kNr <= nc; j += T * kNr, b += T * b_ts, c += T * kNr) {
      stridedTilesWide<MR, T, kRowA>(kc, a, a_stride, b, b_rs, b_ts, c, ldc, alpha, beta);
    }
  }
  for (; j + kNr <= nc; j += kNr, b += b_ts, c += kNr) {
    stridedTile<MR, 2, kRowA, false>(kc, a, a_stride, b, b_rs, c, ldc, alpha, beta, all, 8);
  }
  const std::size_t nr = nc - j;
  if (nr == 0) return;
  if (nr == 8) {
    stridedTile<MR, 1, kRowA, false>(kc, a, a_stride, b, b_rs, c, ldc, alpha, beta, all, 8);
  } else if (nr > 8) {
    stridedTile<MR, 2, kRowA, true>(kc, a, a_stride, b, b_rs, c, ldc, alpha, beta,
                                    laneMask(nr - 8), nr - 8);
  } else {
    stridedTile<MR, 1, kRowA, true>(kc, a, a_stride, b, b_rs, c, ldc, alpha, beta, laneMask(nr),
                                    nr);
  }
}

using StridedFn = void (*)(std::size_t, std::size_t, const float*, std::size_t, const float*,
                           std::size_t, std::size_t, float*, std::size_t, float, float);

template <bool kRowA, std::size_t... I>
constexpr std::array<StridedFn, sizeof...(I)> stridedTable(std::index_sequence<I...>) {
  return {f32_gemm_strided__avx2<I + 1, kRowA>...};
}

// [kRowA][mr - 1]
constexpr std::array<StridedFn, kMr> kStrided[2] = {
    stridedTable<false>(std::make_index_sequence<kMr>()),
    stridedTable<true>(std::make_index_sequence<kMr>())};

// `next_a` is a hint this kernel does not use: with six rows a panel is short enough that the
// hardware prefetcher follows it.
void stridedAvx2(std::size_t mr, std::size_t nc, std::size_t kc, const float* a,
                 std::size_t a_rs, std::size_t a_cs, const float* b, std::size_t b_rs,
                 std::size_t b_ts, float* c, std::size_t ldc, float alpha, float beta,
                 const float* /*next_a*/) {
  const bool row_a = a_rs != 1;
  kStrided[row_a][mr - 1](nc, kc, a, row_a ? a_rs : a_cs, b, b_rs, b_ts, c, ldc, alpha, beta);
}

}  // namespace

const GemmKernel& f32GemmKernelAvx2() {
  static GemmKernel kernel{  // not const: benchmarks/native/gemm_tune.cc retunes the blocking
                           "f32_gemm_6x16__avx2", kMr, kNr, 512, 256, 4096,
                           f32_gemm_6x16__avx2, packA_avx2, packB_avx2,
                           stridedAvx2, kAvx2SupMaxMacs, kAvx2SupMaxN, kAvx2SupMacsMaxN};
  return kernel;
}

}  // namespace keel
