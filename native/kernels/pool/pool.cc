#include "pool.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "../../core/thread_pool.h"
#include "pool_2x2.h"

namespace keel {
namespace {

constexpr std::size_t kParallelElements = 1 << 19;

template <typename Fn>
void forPlanes(std::size_t planes, std::size_t work_per_plane, const Fn& fn) {
  parallelFor(planes, planes * work_per_plane >= kParallelElements ? SIZE_MAX : 1, fn);
}

// The window of output position o along one axis: [start, end) in input coordinates clipped
// to the padded extent for the divisor, and the clipped-to-input part for the sum.
struct Window {
  std::ptrdiff_t start, end;          // clipped to [0, in)
  std::ptrdiff_t padded_start, padded_end;  // clipped to [-pad, in + pad)
};

Window avgWindow(std::size_t o, std::size_t k, std::size_t stride, std::size_t pad, std::size_t in) {
  Window win;
  const std::ptrdiff_t s = static_cast<std::ptrdiff_t>(o * stride) - static_cast<std::ptrdiff_t>(pad);
  win.padded_start = s;
  win.padded_end = std::min<std::ptrdiff_t>(s + static_cast<std::ptrdiff_t>(k), static_cast<std::ptrdiff_t>(in + pad));
  win.start = std::max<std::ptrdiff_t>(s, 0);
  win.end = std::min<std::ptrdiff_t>(win.padded_end, static_cast<std::ptrdiff_t>(in));
  return win;
}

}  // namespace

std::size_t poolOutputSize(std::size_t in, std::size_t k, std::size_t stride, std::size_t pad, std::size_t dilation,
                           bool ceil_mode) {
  const std::size_t span = dilation * (k - 1) + 1;
  if (stride == 0 || in + 2 * pad < span) return 0;
  const std::size_t room = in + 2 * pad - span;
  std::size_t out = (ceil_mode ? (room + stride - 1) / stride : room / stride) + 1;
  // PyTorch: in ceil mode the last window must start inside the input or the left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) out--;
  return out;
}

// The kernel taps along one axis that land inside the input for output position o:
// [k0, k1) of the k taps.
inline void validTaps(std::size_t o, std::size_t stride, std::size_t pad, std::size_t dilation, std::size_t k,
                      std::size_t in, std::size_t* k0, std::size_t* k1) {
  const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(o * stride) - static_cast<std::ptrdiff_t>(pad);
  std::size_t lo = 0, hi = k;
  while (lo < k && start + static_cast<std::ptrdiff_t>(lo * dilation) < 0) lo++;
  while (hi > lo && start + static_cast<std::ptrdiff_t>((hi - 1) * dilation) >= static_cast<std::ptrdiff_t>(in)) hi--;
  *k0 = lo;
  *k1 = hi;
}

namespace {

// The common case: 2x2 windows, stride 2, no padding or dilation (pool_2x2.h). The reference
// row kernels: loops the compiler vectorizes (stride-2 loads, compares and selects). The scan
// of maxPoolRow with its first tap taken as is (a tap beats -inf unless it is -inf itself, when it is
// kept anyway at the same index), so the same values and indices.
template <bool kIndices>
void maxPool2x2Row(float* __restrict op, int32_t* __restrict ip, const float* __restrict r0,
                   const float* __restrict r1, std::size_t wo, int32_t i0, int32_t i1) {
  for (std::size_t ow = 0; ow < wo; ow++) {
    const int32_t c = static_cast<int32_t>(2 * ow);
    const float a = r0[2 * ow], b = r0[2 * ow + 1], d = r1[2 * ow], e = r1[2 * ow + 1];
    float best = a;
    int32_t at = i0 + c;
    bool take = (b > best) | (b != b);
    best = take ? b : best;
    at = take ? i0 + c + 1 : at;
    take = (d > best) | (d != d);
    best = take ? d : best;
    at = take ? i1 + c : at;
    take = (e > best) | (e != e);
    best = take ? e : best;
    at = take ? i1 + c + 1 : at;
    op[ow] = best;
    if (kIndices) ip[ow] = at;
  }
}

void f32_maxpool_2x2__scalar(float* op, int32_t* ip, const float* r0, const float* r1, std::size_t wo, int32_t i0,
                             int32_t i1) {
  if (ip != nullptr) maxPool2x2Row<true>(op, ip, r0, r1, wo, i0, i1);
  else maxPool2x2Row<false>(op, ip, r0, r1, wo, i0, i1);
}

void maxPool2x2Plane(const MaxPool2x2Kernels& kern, float* op, int32_t* ip, const float* xp, const Pool2dShape& s) {
  for (std::size_t oh = 0; oh < s.ho; oh++) {
    const std::size_t r0 = 2 * oh * s.w, r1 = r0 + s.w;
    kern.forward_row(op + oh * s.wo, ip != nullptr ? ip + oh * s.wo : nullptr, xp + r0, xp + r1, s.wo,
                     static_cast<int32_t>(r0), static_cast<int32_t>(r1));
  }
}

// Backward of the same windows: they do not overlap, so each input of a window gets its
// output's gradient if it is the window's argmax and 0 otherwise; written, not accumulated.
void f32_maxpool_2x2_backward__scalar(float* __restrict g0, float* __restrict g1, const float* __restrict go,
                           const int32_t* __restrict ip, std::size_t wo, int32_t i0, int32_t i1) {
  for (std::size_t ow = 0; ow < wo; ow++) {
    const int32_t c = static_cast<int32_t>(2 * ow), at = ip[ow];
    const float g = go[ow];
    g0[2 * ow] = at == i0 + c ? g : 0.0f;
    g0[2 * ow + 1] = at == i0 + c + 1 ? g : 0.0f;
    g1[2 * ow] = at == i1 + c ? g : 0.0f;
    g1[2 * ow + 1] = at == i1 + c + 1 ? g : 0.0f;
  }
}

bool isMaxPool2x2(const Pool2dShape& s) {
  return s.kh == 2 && s.kw == 2 && s.sh == 2 && s.sw == 2 && s.ph == 0 && s.pw == 0 && s.dh == 1 && s.dw == 1 &&
         2 * s.ho <= s.h && 2 * s.wo <= s.w;
}

inline uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// One output row of the general case. Each window is scanned in PyTorch's order (rows, then
// columns) with PyTorch's rule: a tap replaces the running max when it is greater or NaN. So
// the result is the max, or the last NaN; the index the first tap holding the max, or that last
// NaN. Written with selects, not branches (which tap wins is data), and tap by tap for all the
// row's windows at once, so the windows' select chains are independent and overlap instead of
// one window's nine-deep chain stalling the next. A tap outside the input is skipped for the
// columns it misses.
template <bool kIndices>
void maxPoolRow(float* __restrict orow, int32_t* __restrict irow, const float* __restrict xp, const Pool2dShape& s,
                std::size_t oh, const std::vector<std::size_t>& ki0, const std::vector<std::size_t>& ki1,
                const std::vector<std::size_t>& kj0, const std::vector<std::size_t>& kj1,
                const std::vector<std::size_t>& ow_lo, const std::vector<std::size_t>& ow_hi) {
  const std::ptrdiff_t h0 = static_cast<std::ptrdiff_t>(oh * s.sh) - static_cast<std::ptrdiff_t>(s.ph);
  const std::ptrdiff_t w = static_cast<std::ptrdiff_t>(s.w), sw = static_cast<std::ptrdiff_t>(s.sw);
  const std::ptrdiff_t pw = static_cast<std::ptrdiff_t>(s.pw);
  // A window entirely in the padding gives -inf at index 0; otherwise its first valid tap's.
  for (std::size_t ow = 0; ow < s.wo; ow++) {
    orow[ow] = -std::numeric_limits<float>::infinity();
    if (kIndices) {
      irow[ow] = ki0[oh] < ki1[oh] && kj0[ow] < kj1[ow]
                     ? static_cast<int32_t>((h0 + static_cast<std::ptrdiff_t>(ki0[oh] * s.dh)) * w +
                                            static_cast<std::ptrdiff_t>(ow) * sw - pw +
                                            static_cast<std::ptrdiff_t>(kj0[ow] * s.dw))
                     : 0;
    }
  }
  for (std::size_t ki = ki0[oh]; ki < ki1[oh]; ki++) {
    const std::ptrdiff_t row = (h0 + static_cast<std::ptrdiff_t>(ki * s.dh)) * w;
    for (std::size_t kj = 0; kj < s.kw; kj++) {
      const std::ptrdiff_t col0 = static_cast<std::ptrdiff_t>(kj * s.dw) - pw;
      for (std::size_t ow = ow_lo[kj]; ow < ow_hi[kj]; ow++) {
        const std::ptrdiff_t idx = row + static_cast<std::ptrdiff_t>(ow) * sw + col0;
        const float v = xp[idx], cur = orow[ow];
        // An all-ones mask when the tap wins, blended bitwise: written as a select, GCC makes it
        // a branch around the store, mispredicted on every other tap of random data.
        const uint32_t take = 0u - static_cast<uint32_t>((v > cur) | (v != v));
        orow[ow] = bitsToFloat((floatBits(v) & take) | (floatBits(cur) & ~take));
        if (kIndices) irow[ow] = static_cast<int32_t>((static_cast<uint32_t>(idx) & take) | (static_cast<uint32_t>(irow[ow]) & ~take));
      }
    }
  }
}

}  // namespace

void maxPool2dForward(float* out, int32_t* indices, const float* x, const Pool2dShape& s) {
  const bool two_by_two = isMaxPool2x2(s);
  const MaxPool2x2Kernels& kern = maxPool2x2Kernels(activeIsa());
  // The valid taps of each output row and column are the same for every plane: find them once.
  std::vector<std::size_t> ki0(s.ho), ki1(s.ho), kj0(s.wo), kj1(s.wo);
  for (std::size_t oh = 0; oh < s.ho; oh++) validTaps(oh, s.sh, s.ph, s.dh, s.kh, s.h, &ki0[oh], &ki1[oh]);
  for (std::size_t ow = 0; ow < s.wo; ow++) validTaps(ow, s.sw, s.pw, s.dw, s.kw, s.w, &kj0[ow], &kj1[ow]);
  // Per kernel column kj, the output columns [ow_lo, ow_hi) whose tap kj lies inside the input.
  std::vector<std::size_t> ow_lo(s.kw, 0), ow_hi(s.kw, 0);
  for (std::size_t kj = 0; kj < s.kw; kj++) {
    std::size_t lo = 0, hi = 0;
    for (std::size_t ow = 0; ow < s.wo; ow++) {
      if (kj0[ow] <= kj && kj < kj1[ow]) {
        if (hi == 0) lo = ow;
        hi = ow + 1;
      }
    }
    ow_lo[kj] = lo;
    ow_hi[kj] = hi;
  }
  forPlanes(s.planes, s.ho * s.wo * s.kh * s.kw, [&](std::size_t p) {
    const float* xp = x + p * s.h * s.w;
    float* op = out + p * s.ho * s.wo;
    int32_t* ip = indices ? indices + p * s.ho * s.wo : nullptr;
    if (two_by_two) {
      maxPool2x2Plane(kern, op, ip, xp, s);
      return;
    }
    for (std::size_t oh = 0; oh < s.ho; oh++) {
      float* orow = op + oh * s.wo;
      int32_t* irow = ip != nullptr ? ip + oh * s.wo : nullptr;
      if (ip != nullptr) maxPoolRow<true>(orow, irow, xp, s, oh, ki0, ki1, kj0, kj1, ow_lo, ow_hi);
      else maxPoolRow<false>(orow, irow, xp, s, oh, ki0, ki1, kj0, kj1, ow_lo, ow_hi);
    }
  });
}

void maxPool2dBackward(float* grad_x, const float* grad_out, const int32_t* indices, const Pool2dShape& s) {
  const bool two_by_two = isMaxPool2x2(s);
  const MaxPool2x2Kernels& kern = maxPool2x2Kernels(activeIsa());
  forPlanes(s.planes, s.ho * s.wo, [&](std::size_t p) {
    float* gx = grad_x + p * s.h * s.w;
    const float* go = grad_out + p * s.ho * s.wo;
    const int32_t* ip = indices + p * s.ho * s.wo;
    const std::size_t plane = s.h * s.w;
    if (two_by_two) {
      // Indices come from the forward pass of the same shape, so each lies in its window.
      for (std::size_t oh = 0; oh < s.ho; oh++) {
        const std::size_t r0 = 2 * oh * s.w, r1 = r0 + s.w;
        kern.backward_row(gx + r0, gx + r1, go + oh * s.wo, ip + oh * s.wo, s.wo, static_cast<int32_t>(r0),
                              static_cast<int32_t>(r1));
        // An odd last column is in no window.
        if (2 * s.wo < s.w) {
          std::fill(gx + r0 + 2 * s.wo, gx + r0 + s.w, 0.0f);
          std::fill(gx + r1 + 2 * s.wo, gx + r1 + s.w, 0.0f);
        }
      }
      std::fill(gx + 2 * s.ho * s.w, gx + plane, 0.0f);  // and so is an odd last row
      return;
    }
    std::memset(gx, 0, s.h * s.w * sizeof(float));
    for (std::size_t i = 0; i < s.ho * s.wo; i++) {
      const std::size_t idx = static_cast<std::size_t>(ip[i]);
      if (idx < plane) gx[idx] += go[i];
    }
  });
}

void avgPool2dForward(float* out, const float* x, const Pool2dShape& s, bool count_include_pad,
                      std::size_t divisor_override) {
  // Windows and divisors depend on the output row and column only: compute them once.
  std::vector<Window> wh(s.ho), ww(s.wo);
  for (std::size_t oh = 0; oh < s.ho; oh++) wh[oh] = avgWindow(oh, s.kh, s.sh, s.ph, s.h);
  for (std::size_t ow = 0; ow < s.wo; ow++) ww[ow] = avgWindow(ow, s.kw, s.sw, s.pw, s.w);
  std::vector<float> scale(s.ho * s.wo);
  for (std::size_t oh = 0; oh < s.ho; oh++)
    for (std::size_t ow = 0; ow < s.wo; ow++) {
      std::ptrdiff_t divisor;
      if (divisor_override > 0) divisor = static_cast<std::ptrdiff_t>(divisor_override);
      else if (count_include_pad) divisor = (wh[oh].padded_end - wh[oh].padded_start) * (ww[ow].padded_end - ww[ow].padded_start);
      else divisor = (wh[oh].end - wh[oh].start) * (ww[ow].end - ww[ow].start);
      scale[oh * s.wo + ow] = divisor > 0 ? 1.0f / static_cast<float>(divisor) : 0.0f;
    }
  forPlanes(s.planes, s.ho * s.wo * s.kh * s.kw, [&](std::size_t p) {
    const float* xp = x + p * s.h * s.w;
    float* op = out + p * s.ho * s.wo;
    for (std::size_t oh = 0; oh < s.ho; oh++) {
      for (std::size_t ow = 0; ow < s.wo; ow++) {
        float sum = 0.0f;
        for (std::ptrdiff_t ih = wh[oh].start; ih < wh[oh].end; ih++) {
          const float* row = xp + ih * static_cast<std::ptrdiff_t>(s.w);
          for (std::ptrdiff_t iw = ww[ow].start; iw < ww[ow].end; iw++) sum += row[iw];
        }
        op[oh * s.wo + ow] = sum * scale[oh * s.wo + ow];
      }
    }
  });
}

void avgPool2dBackward(float* grad_x, const float* grad_out, const Pool2dShape& s, bool count_include_pad,
                       std::size_t divisor_override) {
  forPlanes(s.planes, s.ho * s.wo * s.kh * s.kw, [&](std::size_t p) {
    float* gx = grad_x + p * s.h * s.w;
    std::memset(gx, 0, s.h * s.w * sizeof(float));
    const float* go = grad_out + p * s.ho * s.wo;
    for (std::size_t oh = 0; oh < s.ho; oh++) {
      const Window wh = avgWindow(oh, s.kh, s.sh, s.ph, s.h);
      for (std::size_t ow = 0; ow < s.wo; ow++) {
        const Window ww = avgWindow(ow, s.kw, s.sw, s.pw, s.w);
        std::ptrdiff_t divisor;
        if (divisor_override > 0) divisor = static_cast<std::ptrdiff_t>(divisor_override);
        else if (count_include_pad) divisor = (wh.padded_end - wh.padded_start) * (ww.padded_end - ww.padded_start);
        else divisor = (wh.end - wh.start) * (ww.end - ww.start);
        if (divisor <= 0) continue;
        const float g = go[oh * s.wo + ow] / static_cast<float>(divisor);
        for (std::ptrdiff_t ih = wh.start; ih < wh.end; ih++)
          for (std::ptrdiff_t iw = ww.start; iw < ww.end; iw++) gx[ih * static_cast<std::ptrdiff_t>(s.w) + iw] += g;
      }
    }
  });
}

namespace {
inline std::size_t adaptiveStart(std::size_t i, std::size_t in, std::size_t out) { return i * in / out; }
inline std::size_t adaptiveEnd(std::size_t i, std::size_t in, std::size_t out) { return ((i + 1) * in + out - 1) / out; }
}  // namespace

void adaptiveAvgPool2dForward(float* out, const float* x, std::size_t planes, std::size_t h, std::size_t w,
                              std::size_t ho, std::size_t wo) {
  forPlanes(planes, h * w, [&](std::size_t p) {
    const float* xp = x + p * h * w;
    float* op = out + p * ho * wo;
    for (std::size_t oh = 0; oh < ho; oh++) {
      const std::size_t h0 = adaptiveStart(oh, h, ho), h1 = adaptiveEnd(oh, h, ho);
      for (std::size_t ow = 0; ow < wo; ow++) {
        const std::size_t w0 = adaptiveStart(ow, w, wo), w1 = adaptiveEnd(ow, w, wo);
        float sum = 0.0f;
        for (std::size_t ih = h0; ih < h1; ih++)
          for (std::size_t iw = w0; iw < w1; iw++) sum += xp[ih * w + iw];
        op[oh * wo + ow] = sum / static_cast<float>((h1 - h0) * (w1 - w0));
      }
    }
  });
}

void adaptiveAvgPool2dBackward(float* grad_x, const float* grad_out, std::size_t planes, std::size_t h,
                               std::size_t w, std::size_t ho, std::size_t wo) {
  forPlanes(planes, h * w, [&](std::size_t p) {
    float* gx = grad_x + p * h * w;
    std::memset(gx, 0, h * w * sizeof(float));
    const float* go = grad_out + p * ho * wo;
    for (std::size_t oh = 0; oh < ho; oh++) {
      const std::size_t h0 = adaptiveStart(oh, h, ho), h1 = adaptiveEnd(oh, h, ho);
      for (std::size_t ow = 0; ow < wo; ow++) {
        const std::size_t w0 = adaptiveStart(ow, w, wo), w1 = adaptiveEnd(ow, w, wo);
        const float g = go[oh * wo + ow] / static_cast<float>((h1 - h0) * (w1 - w0));
        for (std::size_t ih = h0; ih < h1; ih++)
          for (std::size_t iw = w0; iw < w1; iw++) gx[ih * w + iw] += g;
      }
    }
  });
}

const MaxPool2x2Kernels& maxPool2x2KernelsScalar() {
  static const MaxPool2x2Kernels kernels{"f32_maxpool_2x2__scalar", f32_maxpool_2x2__scalar,
                                         f32_maxpool_2x2_backward__scalar};
  return kernels;
}

const MaxPool2x2Kernels& maxPool2x2Kernels(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::kAvx512) return maxPool2x2KernelsAvx512();
#endif
  (void)isa;
  return maxPool2x2KernelsScalar();
}

}  // namespace keel
