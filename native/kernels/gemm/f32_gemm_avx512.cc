// AVX-512 micro-kernel. This translation unit alone is compiled with -mavx512f -mavx512dq
// -mavx512bw -mavx512vl -mfma; it runs only where CPUID and XGETBV allow (core/cpu.cc).
#include <immintrin.h>

#include <array>
#include <type_traits>
#include <utility>

#include "ukernel.h"

namespace keel {
namespace {

constexpr std::size_t kMr = 14, kNr = 32;

// The accumulators are named variables, not an array: compilers keep arrays of vectors
// partly in memory, which turns every FMA into a store-forwarding round trip.
#define KEEL_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)
#define KEEL_DECLARE(i) __m512 c##i##_0 = _mm512_setzero_ps(), c##i##_1 = _mm512_setzero_ps();
#define KEEL_PREFETCH(i)                                                        \
  _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);        \
  _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
#define KEEL_FMA(i)                                  \
  {                                                  \
    const __m512 ai = _mm512_set1_ps(a[i]);          \
    c##i##_0 = _mm512_fmadd_ps(ai, b0, c##i##_0);    \
    c##i##_1 = _mm512_fmadd_ps(ai, b1, c##i##_1);    \
  }
#define KEEL_STORE(i)                                                    \
  _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(valpha, c##i##_0));        \
  _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(valpha, c##i##_1));
#define KEEL_UPDATE(i)                                                                            \
  _mm512_storeu_ps(c + i * ldc, _mm512_fmadd_ps(vbeta, _mm512_loadu_ps(c + i * ldc),             \
                                                _mm512_mul_ps(valpha, c##i##_0)));               \
  _mm512_storeu_ps(c + i * ldc + 16, _mm512_fmadd_ps(vbeta, _mm512_loadu_ps(c + i * ldc + 16),   \
                                                     _mm512_mul_ps(valpha, c##i##_1)));

// 14 x 32 tile: 28 zmm accumulators, 2 B vectors and a broadcast, 31 of 32 registers. 28
// independent FMAs per depth step keep both 512-bit FMA pipes busy through their latency, and
// 16 loads per 28 FMAs stay within the load ports.
void f32_gemm_14x32__avx512(std::size_t kc, const float* a, const float* b, float* c,
                            std::size_t ldc, float alpha, float beta) {
  KEEL_ROWS(KEEL_DECLARE)
  KEEL_ROWS(KEEL_PREFETCH)
  // The next row panel of the packed A block starts where this one ends. Each depth step
  // prefetches one line of it, so by the time the tiles of this panel are done it has come in
  // from L3, and the next panel's first tile does not wait on it (n = 2048, one thread: 184 ->
  // 195 GFLOP/s, interleaved). Past the block's end these are prefetches only: they never fault.
  const std::size_t next = kMr * kc;
#pragma GCC unroll 2
  for (std::size_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(a + next), _MM_HINT_T0);
    KEEL_ROWS(KEEL_FMA)
    a += kMr;
    b += kNr;
  }
  const __m512 valpha = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
    KEEL_ROWS(KEEL_STORE)
  } else {
    const __m512 vbeta = _mm512_set1_ps(beta);
    KEEL_ROWS(KEEL_UPDATE)
  }
}

// ---- Packing (pack.h layout) -------------------------------------------------------------

// Lanes [0, n) of a 16-lane group, n <= 16.
inline __mmask16 laneMask(std::size_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

// GCC 12's AVX-512 headers seed unpack/shuffle results with a self-initialized "undefined"
// vector, which -Wmaybe-uninitialized reports once these are inlined into loops (GCC bug
// 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// In-register 16 x 16 transpose: r[i] lane j <- r[j] lane i. 64 shuffles for 256 floats,
// against 256 scalar loads and stores for the element-by-element copy.
inline void transpose16x16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4g + j], 128-bit lane L: column 4L + j of rows 4g .. 4g+3.
  __m512 u[16];
  for (int g = 0; g < 4; g++) {
    const __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  for (int j = 0; j < 4; j++) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44);
    const __m512 v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xEE);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44);
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xEE);
    r[j] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    r[4 + j] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    r[8 + j] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
}

// One panel whose lane l is source row l (stride ld), contiguous along depth: W-wide panel,
// `lanes` valid source rows, the rest zero. Blocks of 16 lanes x 16 depth steps are transposed
// in registers.
template <std::size_t W>
void packPanelStrided(float* dst, const float* src, std::size_t ld, std::size_t lanes,
                      std::size_t kc) {
  for (std::size_t l0 = 0; l0 < W; l0 += 16) {
    const std::size_t group = W - l0 < 16 ? W - l0 : 16;  // lanes of this group in the panel
    const std::size_t valid = lanes > l0 ? (lanes - l0 < group ? lanes - l0 : group) : 0;
    const __mmask16 store_mask = laneMask(group);
    for (std::size_t p = 0; p < kc; p += 16) {
      const std::size_t depth = kc - p < 16 ? kc - p : 16;
      const __mmask16 load_mask = laneMask(depth);
      __m512 r[16];
      for (std::size_t l = 0; l < 16; l++) {
        r[l] = l < valid ? _mm512_maskz_loadu_ps(load_mask, src + (l0 + l) * ld + p)
                         : _mm512_setzero_ps();
      }
      transpose16x16(r);
      for (std::size_t q = 0; q < depth; q++) {
        _mm512_mask_storeu_ps(dst + (p + q) * W + l0, store_mask, r[q]);
      }
    }
  }
}

// Panels whose lanes are contiguous in the source, depth strided (stride ld). A panel at a
// time would read a W-float strip of every source row (a new page each, for ld >= 1024) before
// moving to the next strip; instead a band of kRowBand rows is swept across all panels, so each
// source row is read as one long run that the hardware prefetcher follows, and each panel is
// written kRowBand rows at a time (its rows in a band are contiguous).
template <std::size_t W>
void packPanelsContiguous(float* dst, const float* src, std::size_t ld, std::size_t lanes_total,
                          std::size_t depth) {
  constexpr std::size_t kRowBand = 16;
  const std::size_t panels = (lanes_total + W - 1) / W;
  for (std::size_t p0 = 0; p0 < depth; p0 += kRowBand) {
    const std::size_t p1 = depth - p0 < kRowBand ? depth : p0 + kRowBand;
    for (std::size_t q = 0; q < panels; q++) {
      const std::size_t lanes = lanes_total - q * W < W ? lanes_total - q * W : W;
      for (std::size_t p = p0; p < p1; p++) {
        const float* in = src + p * ld + q * W;
        float* out = dst + q * W * depth + p * W;
        for (std::size_t l0 = 0; l0 < W; l0 += 16) {
          const std::size_t group = W - l0 < 16 ? W - l0 : 16;
          const std::size_t valid = lanes > l0 ? (lanes - l0 < group ? lanes - l0 : group) : 0;
          const __m512 v = _mm512_maskz_loadu_ps(laneMask(valid), in + l0);
          if (group == 16) {
            _mm512_store_ps(out + l0, v);  // W a multiple of 16: every row is aligned
          } else {
            _mm512_mask_storeu_ps(out + l0, laneMask(group), v);
          }
        }
      }
    }
  }
}

template <std::size_t W>
void packPanels(float* dst, const float* src, std::size_t ld, bool lanes_strided,
                std::size_t lanes_total, std::size_t depth) {
  if (!lanes_strided) {
    packPanelsContiguous<W>(dst, src, ld, lanes_total, depth);
    return;
  }
  for (std::size_t q = 0; q * W < lanes_total; q++) {
    const std::size_t lanes = lanes_total - q * W < W ? lanes_total - q * W : W;
    packPanelStrided<W>(dst + q * W * depth, src + q * W * ld, ld, lanes, depth);
  }
}

#pragma GCC diagnostic pop

void packA_avx512(float* dst, const float* a, std::size_t lda, bool trans_a, std::size_t i0,
                  std::size_t mc, std::size_t p0, std::size_t kc, std::size_t /*mr == kMr*/) {
  if (!trans_a) {
    packPanels<kMr>(dst, a + i0 * lda + p0, lda, /*lanes_strided=*/true, mc, kc);
  } else {
    packPanels<kMr>(dst, a + p0 * lda + i0, lda, /*lanes_strided=*/false, mc, kc);
  }
}

void packB_avx512(float* dst, const float* b, std::size_t ldb, bool trans_b, std::size_t p0,
                  std::size_t kc, std::size_t j0, std::size_t nc, std::size_t /*nr == kNr*/) {
  if (!trans_b) {
    packPanels<kNr>(dst, b + p0 * ldb + j0, ldb, /*lanes_strided=*/false, nc, kc);
  } else {
    packPanels<kNr>(dst, b + j0 * ldb + p0, ldb, /*lanes_strided=*/true, nc, kc);
  }
}

// ---- Strided kernel (ukernel.h GemmPanelStridedFn) -----------------------------------------

// The same per-element arithmetic as f32_gemm_14x32__avx512 for any MR <= 14 rows and one or
// two 16-lane column vectors, so edge tiles and unpacked operands give the bits of a full tile.
// kRowA: a(i, p) = a[i*a_stride + p] (row-major A in place); otherwise a(i, p) =
// a[p*a_stride + i] (a packed panel, or a transposed A in place). Columns past the masks are
// neither loaded from B nor loaded or stored in C.
//
// A row-major A is addressed from two row pointers, rows 0-6 and 7-13, each row at a multiple
// of a_stride from its base: offsets the compiler keeps in registers as scaled indices. From
// one pointer it kept five row offsets on the stack or in a vector register and reloaded them
// every depth step.
#define KEEL_S_DECLARE(i) __m512 s##i##_0 = _mm512_setzero_ps(), s##i##_1 = _mm512_setzero_ps();
#define KEEL_S_PREFETCH(i) \
  if constexpr (i < MR) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#define KEEL_S_A(i) \
  (kRowA ? (i < 7 ? a_lo[i * a_stride + p] : a_hi[(i < 7 ? 0 : i - 7) * a_stride + p]) \
         : a[p * a_stride + i])
#define KEEL_S_FMA(i)                                                          \
  if constexpr (i < MR) {                                                      \
    const __m512 ai = _mm512_set1_ps(KEEL_S_A(i));                             \
    s##i##_0 = _mm512_fmadd_ps(ai, b0, s##i##_0);                              \
    if constexpr (NV == 2) s##i##_1 = _mm512_fmadd_ps(ai, b1, s##i##_1);       \
  }
// alpha * acc is acc exactly when alpha is 1, so skipping the multiply changes no bits.
#define KEEL_S_SCALED(acc) (scale ? _mm512_mul_ps(valpha, acc) : acc)
#define KEEL_S_STORE(i)                                                                      \
  if constexpr (i < MR) {                                                                    \
    _mm512_mask_storeu_ps(c + i * ldc, k0, KEEL_S_SCALED(s##i##_0));                         \
    if constexpr (NV == 2) _mm512_mask_storeu_ps(c + i * ldc + 16, k1, KEEL_S_SCALED(s##i##_1)); \
  }
#define KEEL_S_UPDATE(i)                                                                     \
  if constexpr (i < MR) {                                                                    \
    _mm512_mask_storeu_ps(c + i * ldc, k0,                                                   \
                          _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(k0, c + i * ldc),     \
                                          KEEL_S_SCALED(s##i##_0)));                         \
    if constexpr (NV == 2)                                                                   \
      _mm512_mask_storeu_ps(c + i * ldc + 16, k1,                                            \
                            _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(k1, c + i * ldc + 16), \
                                            KEEL_S_SCALED(s##i##_1)));                       \
  }

// One MR x (16 NV) tile of C, kc deep.
template <std::size_t MR, std::size_t NV, bool kRowA, bool kPrefetchA>
__attribute__((noinline)) void stridedTile(
    std::size_t kc, const float* a, std::size_t a_stride, const float* b, std::size_t b_rs,
    float* c, std::size_t ldc, float alpha, float beta, __mmask16 k0, __mmask16 k1,
    const float* next_a) {
  KEEL_ROWS(KEEL_S_DECLARE)
  KEEL_ROWS(KEEL_S_PREFETCH)
  const float* a_lo = a;
  // Formed only where row 7 exists: a pointer past the end of A would be undefined.
  const float* a_hi = kRowA && MR > 7 ? a + 7 * a_stride : a;
  // In the small-product path B is read in place: a new row (one or two lines) every depth
  // step, ldb apart, which the hardware prefetcher follows poorly when the operands come from
  // L3 or memory. Fetching the row 16 steps ahead: 128x512x256 with cold operands +6-8%, n =
  // 256-384 +2-10% (Zen 5, one thread, interleaved). Short depths skip it: at kc = 64 a
  // quarter of it would fall past the block (n = 64: -2%). Past the end of B these are
  // prefetches only: they never fault.
  const bool prefetch_b = kc >= 128;
#pragma GCC unroll 2
  for (std::size_t p = 0; p < kc; p++) {
    if (prefetch_b) {
      _mm_prefetch(reinterpret_cast<const char*>(b + 16 * b_rs), _MM_HINT_T0);
      if constexpr (NV == 2) _mm_prefetch(reinterpret_cast<const char*>(b + 16 * b_rs + 16), _MM_HINT_T0);
    }
    // The next row panel of an in-place A (kPrefetchA: a full panel's last tile, which the
    // caller names): depth steps 16q .. 16q+15 fetch the line at depth 16q of each of its rows,
    // so the panel has arrived by the time its first tile starts. Few columns leave no other
    // tile to hide the wait for it behind: 32768x576x64 (a 3x3 64->64 convolution) 1.21 ->
    // 1.54x OpenBLAS on one thread, 4096x256x64 +3-10% (Zen 5, interleaved). A separate
    // instantiation, so that every other tile's loop carries no test for it.
    if constexpr (kPrefetchA) {
      if ((p & 15) < MR) {
        _mm_prefetch(reinterpret_cast<const char*>(next_a + (p & 15) * a_stride + (p & ~std::size_t{15})),
                     _MM_HINT_T0);
      }
    }
    const __m512 b0 = _mm512_maskz_loadu_ps(k0, b);
    const __m512 b1 = NV == 2 ? _mm512_maskz_loadu_ps(k1, b + 16) : _mm512_setzero_ps();
    KEEL_ROWS(KEEL_S_FMA)
    b += b_rs;
  }
  const bool scale = alpha != 1.0f;
  const __m512 valpha = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
    KEEL_ROWS(KEEL_S_STORE)
  } else {
    const __m512 vbeta = _mm512_set1_ps(beta);
    KEEL_ROWS(KEEL_S_UPDATE)
  }
}

// T full tiles side by side for panels of one or two rows, with the arithmetic per element of
// stridedTile. One tile of one or two rows has only two or four accumulators, too few chains
// to keep two FMA pipes busy through their latency; T tiles give MR x 2T.
template <std::size_t MR, std::size_t T, bool kRowA>
__attribute__((noinline)) void stridedTilesWide(std::size_t kc, const float* a,
                                                std::size_t a_stride, const float* b,
                                                std::size_t b_rs, std::size_t b_ts, float* c,
                                                std::size_t ldc, float alpha, float beta) {
  constexpr std::size_t V = 2 * T;  // 16-lane vectors across the T tiles
  __m512 acc[MR][V];
  for (std::size_t i = 0; i < MR; i++)
    for (std::size_t v = 0; v < V; v++) acc[i][v] = _mm512_setzero_ps();
  for (std::size_t i = 0; i < MR; i++)
    for (std::size_t t = 0; t < T; t++)
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + t * kNr), _MM_HINT_T0);
  // Each row of B 16 steps ahead, as stridedTile, but one line per tile rather than both:
  // fetching both (eight prefetches a depth step instead of four) measured 0.82x at 2x784x512
  // and 1.05x at 1x1024x1024 (Zen 5, one thread, paired in one process).
  const bool prefetch_b = kc >= 128;
  for (std::size_t p = 0; p < kc; p++) {
    const float* row = b + p * b_rs;
    __m512 bv[V];
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; v++) {
      if (prefetch_b && v % 2 == 0) {
        _mm_prefetch(reinterpret_cast<const char*>(row + 16 * b_rs + (v / 2) * b_ts), _MM_HINT_T0);
      }
      bv[v] = _mm512_loadu_ps(row + (v / 2) * b_ts + (v % 2) * 16);
    }
#pragma GCC unroll 4
    for (std::size_t i = 0; i < MR; i++) {
      const __m512 ai = _mm512_set1_ps(kRowA ? a[i * a_stride + p] : a[p * a_stride + i]);
#pragma GCC unroll 8
      for (std::size_t v = 0; v < V; v++) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  const bool scale = alpha != 1.0f;
  const __m512 valpha = _mm512_set1_ps(alpha);
  const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 4
  for (std::size_t i = 0; i < MR; i++) {
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; v++) {
      float* cp = c + i * ldc + (v / 2) * kNr + (v % 2) * 16;
      const __m512 r = scale ? _mm512_mul_ps(valpha, acc[i][v]) : acc[i][v];
      _mm512_storeu_ps(cp, beta == 0.0f ? r : _mm512_fmadd_ps(vbeta, _mm512_loadu_ps(cp), r));
    }
  }
}

// An MR-row panel of C across nc columns: full 32-column tiles, then a narrower one. With the
// alpha == 1 store and the two-pointer addressing above, against a call per tile: squares
// n = 64-256 and the MLP and im2col shapes 1-3% faster, n = 48 and 80 (a 16-column last tile)
// 6-10%, n = 32 even (Zen 5, one thread, interleaved in one process, same bits).
template <std::size_t MR, bool kRowA>
void f32_gemm_strided__avx512(std::size_t nc, std::size_t kc, const float* a, std::size_t a_stride,
                              const float* b, std::size_t b_rs, std::size_t b_ts, float* c,
                              std::size_t ldc, float alpha, float beta, const float* next_a) {
  constexpr bool kCanPrefetchA = kRowA && MR == kMr;
  // One tile of NV vectors; the panel's last tile fetches the next A panel when asked to.
  auto tile = [&](auto nv, bool last, __mmask16 k0, __mmask16 k1) {
    constexpr std::size_t NV = decltype(nv)::value;
    if (kCanPrefetchA && last && next_a != nullptr) {
      stridedTile<MR, NV, kRowA, kCanPrefetchA>(kc, a, a_stride, b, b_rs, c, ldc, alpha, beta, k0, k1, next_a);
    } else {
      stridedTile<MR, NV, kRowA, false>(kc, a, a_stride, b, b_rs, c, ldc, alpha, beta, k0, k1, nullptr);
    }
  };
  using One = std::integral_constant<std::size_t, 1>;
  using Two = std::integral_constant<std::size_t, 2>;
  const __mmask16 full = 0xFFFF;
  std::size_t j = 0;
  if constexpr (MR <= 2) {
    constexpr std::size_t T = 4;
    for (; j + T * kNr <= nc; j += T * kNr, b += T * b_ts, c += T * kNr) {
      stridedTilesWide<MR, T, kRowA>(kc, a, a_stride, b, b_rs, b_ts, c, ldc, alpha, beta);
    }
  }
  for (; j + kNr <= nc; j += kNr, b += b_ts, c += kNr) tile(Two{}, j + kNr == nc, full, full);
  if (j == nc) return;
  const std::size_t nr = nc - j;
  const __mmask16 k0 = laneMask(nr), k1 = laneMask(nr > 16 ? nr - 16 : 0);
  if (nr > 16) {
    tile(Two{}, true, k0, k1);
  } else {
    tile(One{}, true, k0, k1);
  }
}

using StridedFn = void (*)(std::size_t, std::size_t, const float*, std::size_t, const float*,
                           std::size_t, std::size_t, float*, std::size_t, float, float,
                           const float*);

template <bool kRowA, std::size_t... I>
constexpr std::array<StridedFn, sizeof...(I)> stridedTable(std::index_sequence<I...>) {
  return {f32_gemm_strided__avx512<I + 1, kRowA>...};
}

// [kRowA][mr - 1]
constexpr std::array<StridedFn, kMr> kStrided[2] = {
    stridedTable<false>(std::make_index_sequence<kMr>()),
    stridedTable<true>(std::make_index_sequence<kMr>())};

void stridedAvx512(std::size_t mr, std::size_t nc, std::size_t kc, const float* a,
                   std::size_t a_rs, std::size_t a_cs, const float* b, std::size_t b_rs,
                   std::size_t b_ts, float* c, std::size_t ldc, float alpha, float beta,
                   const float* next_a) {
  const bool row_a = a_rs != 1;
  kStrided[row_a][mr - 1](nc, kc, a, row_a ? a_rs : a_cs, b, b_rs, b_ts, c, ldc, alpha, beta,
                          next_a);
}

}  // namespace

const GemmKernel& f32GemmKernelAvx512() {
  // kc = 512, nc = 256 against the earlier 384, 320 (gemm_tune, settings interleaved, Zen 5):
  // on two threads 5-8% faster at n = 512-1024 and for 128x784x512, where fewer depth blocks
  // mean fewer passes over C for the two cores' shared memory bandwidth; within 2% either way
  // on one thread.
  static GemmKernel kernel{  // not const: benchmarks/native/gemm_tune.cc retunes the blocking
                           "f32_gemm_14x32__avx512", kMr, kNr, 512, 256, 4200,
                           f32_gemm_14x32__avx512, packA_avx512, packB_avx512,
                           // Measured on Zen 5, 1 and 2 threads: reading A in place wins
                           // 5-20% up to about 400^3 (n = 64: 3.2 -> 2.7 us) and for
                           // n <= 64 at any size (8192x256x32: 25%), is even at 512^3 and
                           // loses 10-15% at 1024^3, where the A panel's reuse across a wide
                           // B block pays for packing it.
                           stridedAvx512, 6.4e7, 64, ~std::size_t{0}, 1e9,
                           // From 256 rows, depth blocks of up to 1024 by 128 columns,
                           // against 512 x 256 (Zen 5, paired in one process): one thread
                           // n = 1024 +1.2-1.7%, 1000 +0.9%, 2048 +0.4%, 32768x576x64
                           // +9.5%; two threads n = 768-2048 +2-9%. Fewer rows lose
                           // (128x784x512: one thread -6%, its C stays in L2), and AVX2's
                           // 6x16 kernel loses 1-5% (gemm_tune sweeps).
                           /*deep_min_m=*/256, /*kc_deep=*/1024, /*nc_deep=*/128};
  return kernel;
}

}  // namespace keel
