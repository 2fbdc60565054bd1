// AVX-512 col2im for stride-1 columns (col2im.h). This translation unit alone is compiled with
// -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma; it runs only where CPUID and XGETBV allow
// (core/cpu.cc). Each stretch of 16 input columns is loaded once, the kh x kw shifted column
// rows that land on it are added with masked loads (the lanes outside the output width are
// neither read nor added) in the reference's tap order, and it is stored once: for LeNet's
// 14-wide rows one vector per row.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "col2im.h"

namespace keel {

namespace {

inline __mmask16 lanes(std::ptrdiff_t lo, std::ptrdiff_t hi) {  // bits [lo, hi) of 16, clipped
  if (lo < 0) lo = 0;
  if (hi > 16) hi = 16;
  if (hi <= lo) return 0;
  return static_cast<__mmask16>(((1u << (hi - lo)) - 1) << lo);
}

}  // namespace

void f32_col2im_stride1__avx512(float* x, const float* col, std::size_t ld, std::size_t cg, const Conv2dShape& s) {
  const std::ptrdiff_t wo = static_cast<std::ptrdiff_t>(s.wo);
  // Per stretch of 16 input columns and kernel column kj: the lanes that some output column
  // feeds, and how far the output row is shifted against the input row. The same for every
  // row and channel, so found once.
  const std::size_t chunks = (s.w + 15) / 16;
  std::vector<__mmask16> masks(chunks * s.kw);
  std::vector<std::ptrdiff_t> shifts(s.kw);
  for (std::size_t kj = 0; kj < s.kw; kj++) {
    const std::ptrdiff_t off_w = static_cast<std::ptrdiff_t>(kj * s.dw) - static_cast<std::ptrdiff_t>(s.pw);
    shifts[kj] = off_w;
    for (std::size_t q = 0; q < chunks; q++) {
      const std::ptrdiff_t base = static_cast<std::ptrdiff_t>(q * 16);
      const std::ptrdiff_t width = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(s.w) - base, 16);
      // Lane l is input column base + l, fed by output column ow = base + l - off_w.
      masks[q * s.kw + kj] = lanes(off_w - base, wo + off_w - base) & lanes(0, width);
    }
  }
  // Per input row: the output row that each kernel row maps onto it, or -1.
  std::vector<std::ptrdiff_t> rows(s.h * s.kh, -1);
  for (std::size_t oh = 0; oh < s.ho; oh++) {
    for (std::size_t ki = 0; ki < s.kh; ki++) {
      const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * s.sh + ki * s.dh) - static_cast<std::ptrdiff_t>(s.ph);
      if (ih >= 0 && ih < static_cast<std::ptrdiff_t>(s.h)) rows[static_cast<std::size_t>(ih) * s.kh + ki] = static_cast<std::ptrdiff_t>(oh);
    }
  }
  for (std::size_t c = 0; c < cg; c++) {
    float* xc = x + c * s.h * s.w;
    const float* col_c = col + c * s.kh * s.kw * ld;  // row (ki, kj) at (ki * kw + kj) * ld
    for (std::size_t ih = 0; ih < s.h; ih++) {
      float* dst = xc + ih * s.w;
      for (std::size_t q = 0; q < chunks; q++) {
        const std::ptrdiff_t base = static_cast<std::ptrdiff_t>(q * 16);
        const __mmask16 row_mask = lanes(0, std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(s.w) - base, 16));
        // The whole sum of this stretch of row in one register, loaded and stored once, the
        // taps added in the reference's order (ki, then kj).
        __m512 acc = _mm512_maskz_loadu_ps(row_mask, dst + base);
        for (std::size_t ki = 0; ki < s.kh; ki++) {
          const std::ptrdiff_t oh = rows[ih * s.kh + ki];
          if (oh < 0) continue;
          const float* src = col_c + ki * s.kw * ld + static_cast<std::size_t>(oh) * s.wo;
          for (std::size_t kj = 0; kj < s.kw; kj++) {
            const __mmask16 m = masks[q * s.kw + kj];
            // Masked-off lanes are not accessed, so the base may point before the row.
            const float* p = reinterpret_cast<const float*>(
                reinterpret_cast<std::uintptr_t>(src + kj * ld) +
                static_cast<std::uintptr_t>((base - shifts[kj]) * static_cast<std::ptrdiff_t>(sizeof(float))));
            acc = _mm512_mask_add_ps(acc, m, acc, _mm512_maskz_loadu_ps(m, p));
          }
        }
        _mm512_mask_storeu_ps(dst + base, row_mask, acc);
      }
    }
  }
}

}  // namespace keel
