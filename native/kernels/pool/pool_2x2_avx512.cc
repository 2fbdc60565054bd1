// AVX-512 kernels for 2x2 stride-2 max pooling (pool_2x2.h). This translation unit alone is
// compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma; it runs only where CPUID and
// XGETBV allow (core/cpu.cc). 16 windows per step: two masked loads per input row, split into
// even and odd columns by one permute each; masked tails, so a short row (LeNet's are 14 and 5
// windows wide) has no scalar remainder.
#include <immintrin.h>

#include <algorithm>

#include "pool_2x2.h"

namespace keel {
namespace {

inline __mmask16 firstLanes(std::size_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

// A tap replaces the running max when greater or NaN (the reference's rule, so its bits).
inline void takeTap(__m512& best, __m512i& at, __m512 v, __m512i idx) {
  const __mmask16 take = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  best = _mm512_mask_mov_ps(best, take, v);
  at = _mm512_mask_mov_epi32(at, take, idx);
}

void f32_maxpool_2x2__avx512(float* out, int32_t* indices, const float* r0, const float* r1, std::size_t wo,
                             int32_t i0, int32_t i1) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  __m512i col = even;  // 2 * ow for the 16 windows of this step
  for (std::size_t ow = 0; ow < wo; ow += 16) {
    const std::size_t n = std::min<std::size_t>(16, wo - ow);
    const __mmask16 m = firstLanes(n), lo = firstLanes(2 * n), hi = firstLanes(2 * n > 16 ? 2 * n - 16 : 0);
    const float* a0 = r0 + 2 * ow;
    const float* a1 = r1 + 2 * ow;
    const __m512 x0 = _mm512_maskz_loadu_ps(lo, a0), y0 = _mm512_maskz_loadu_ps(hi, a0 + 16);
    const __m512 x1 = _mm512_maskz_loadu_ps(lo, a1), y1 = _mm512_maskz_loadu_ps(hi, a1 + 16);
    const __m512i c0 = _mm512_add_epi32(col, _mm512_set1_epi32(i0)), c1 = _mm512_add_epi32(col, _mm512_set1_epi32(i1));
    const __m512i one = _mm512_set1_epi32(1);
    __m512 best = _mm512_permutex2var_ps(x0, even, y0);
    __m512i at = c0;
    takeTap(best, at, _mm512_permutex2var_ps(x0, odd, y0), _mm512_add_epi32(c0, one));
    takeTap(best, at, _mm512_permutex2var_ps(x1, even, y1), c1);
    takeTap(best, at, _mm512_permutex2var_ps(x1, odd, y1), _mm512_add_epi32(c1, one));
    _mm512_mask_storeu_ps(out + ow, m, best);
    if (indices != nullptr) _mm512_mask_storeu_epi32(indices + ow, m, at);
    col = _mm512_add_epi32(col, _mm512_set1_epi32(32));
  }
}

void f32_maxpool_2x2_backward__avx512(float* g0, float* g1, const float* go, const int32_t* indices, std::size_t wo,
                                      int32_t i0, int32_t i1) {
  // Interleave two 16-lane vectors a, b into a0 b0 a1 b1 ... (low and high halves).
  const __m512i inter_lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i inter_hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const __m512i one = _mm512_set1_epi32(1);
  __m512i col = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  for (std::size_t ow = 0; ow < wo; ow += 16) {
    const std::size_t n = std::min<std::size_t>(16, wo - ow);
    const __mmask16 m = firstLanes(n), lo = firstLanes(2 * n), hi = firstLanes(2 * n > 16 ? 2 * n - 16 : 0);
    const __m512 g = _mm512_maskz_loadu_ps(m, go + ow);
    const __m512i at = _mm512_maskz_loadu_epi32(m, indices + ow);
    const __m512i c0 = _mm512_add_epi32(col, _mm512_set1_epi32(i0)), c1 = _mm512_add_epi32(col, _mm512_set1_epi32(i1));
    const __m512 a = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, c0), g);
    const __m512 b = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_add_epi32(c0, one)), g);
    const __m512 d = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, c1), g);
    const __m512 e = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_add_epi32(c1, one)), g);
    _mm512_mask_storeu_ps(g0 + 2 * ow, lo, _mm512_permutex2var_ps(a, inter_lo, b));
    _mm512_mask_storeu_ps(g0 + 2 * ow + 16, hi, _mm512_permutex2var_ps(a, inter_hi, b));
    _mm512_mask_storeu_ps(g1 + 2 * ow, lo, _mm512_permutex2var_ps(d, inter_lo, e));
    _mm512_mask_storeu_ps(g1 + 2 * ow + 16, hi, _mm512_permutex2var_ps(d, inter_hi, e));
    col = _mm512_add_epi32(col, _mm512_set1_epi32(32));
  }
}

}  // namespace

const MaxPool2x2Kernels& maxPool2x2KernelsAvx512() {
  static const MaxPool2x2Kernels kernels{"f32_maxpool_2x2__avx512", f32_maxpool_2x2__avx512,
                                         f32_maxpool_2x2_backward__avx512};
  return kernels;
}

}  // namespace keel
