#include "conv.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../../core/aligned_alloc.h"
#include "../../core/cpu.h"
#include "../../core/thread_pool.h"
#include "../gemm/gemm.h"
#include "col2im.h"
#include "conv_direct.h"

namespace keel {
namespace {

ScratchBuffer& colScratch() {
  thread_local ScratchBuffer scratch;
  return scratch;
}

bool isPointwise(const Conv2dShape& s) {
  return s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0;
}


// Samples in parallel (each on one thread) when there are enough of them; otherwise one at a
// time with every thread inside the GEMM. Either way each output element is computed alike.
template <typename Fn>
bool forSamples(std::size_t n, const Fn& fn) {
  std::atomic<bool> ok{true};
  if (n >= 2 && numThreads() > 1) {
    parallelFor(n, SIZE_MAX, [&](std::size_t i) {
      if (!fn(i, 1)) ok.store(false);
    });
  } else {
    for (std::size_t i = 0; i < n; i++) {
      if (!fn(i, SIZE_MAX)) return false;
    }
  }
  return ok.load();
}

// ---- The direct path (conv_direct.h) ----------------------------------------------------

// Direct convolution pays for the junk columns of the padded plane and reads the weights as
// broadcasts; the packed GEMM wins once the output channels fill its 14-row tiles and the
// column matrix is reused across many of them. Up to this many output channels (of the product
// computed: out channels forward and for the weight gradient, in channels for the input
// gradient), the direct kernels run instead of im2col + GEMM.
constexpr std::size_t kDirectMaxChannels = 32;
// Below this many, the kernel's FMA chains are too few to hide their latency (one channel: two
// chains for a whole column tile); the GEMM path's wide tiles do better. Matters for the input
// gradient of a first layer on 1-3 image channels, which a training step rarely needs.
constexpr std::size_t kDirectMinChannels = 4;

bool directEligible(const Conv2dShape& s) {
  return s.groups == 1 && s.sh == 1 && s.sw == 1 && !isPointwise(s);
}

// The sum of one plane in 16 interleaved lanes added pairwise at the end: a fixed order that
// the compiler vectorizes (a single running float sum it may not reorder).
float planeSum(const float* p, std::size_t len) {
  constexpr std::size_t kLanes = 16;
  float lanes[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= len; i += kLanes)
    for (std::size_t l = 0; l < kLanes; l++) lanes[l] += p[i + l];
  for (std::size_t l = 0; i < len; i++, l++) lanes[l] += p[i];
  for (std::size_t width = kLanes / 2; width > 0; width /= 2)
    for (std::size_t l = 0; l < width; l++) lanes[l] += lanes[l + width];
  return lanes[0];
}

std::size_t roundUpTo(std::size_t a, std::size_t b) { return (a + b - 1) / b * b; }

// One stride-1 correlation of `in_ch` planes (in_h x in_w, placed at (top, left) in zero
// planes of hp x wp) producing out_ch planes of out_h x out_w.
//
// The padded input is stored as kw copies, copy kj shifted left by kj*dw and cut to the output
// width: xs[kj][c][r][ow] = xpad[c][r][ow + kj*dw]. Then tap (c, ki, kj) of output q = oh*out_w
// + ow reads xs at off[tap] + q with off[tap] = (kj*in_ch + c)*hp*out_w + ki*dh*out_w: a
// GEMM over the output plane exactly as NCHW stores it, with no junk columns, for kw (not
// kh*kw, as im2col) copies of the input.
struct DirectPlan {
  std::size_t in_ch, in_h, in_w, top, left, hp, wp;
  std::size_t out_ch, out_h, out_w;
  std::size_t kw, dw;
  std::size_t k;         // taps: in_ch * kh * kw
  std::size_t q, qpad;   // out_h * out_w, rounded up to kConvDirectQuantum
  std::size_t x_stride;  // floats of one sample's shifted copies, with the tail the last tile reads
  std::vector<std::ptrdiff_t> off;
};

DirectPlan makePlan(std::size_t in_ch, std::size_t in_h, std::size_t in_w, std::size_t top, std::size_t left,
                    std::size_t hp, std::size_t wp, std::size_t out_ch, std::size_t out_h, std::size_t out_w,
                    const Conv2dShape& s) {
  DirectPlan p{in_ch, in_h, in_w, top, left, hp, wp, out_ch, out_h, out_w, s.kw, s.dw, in_ch * s.kh * s.kw, 0, 0, 0, {}};
  p.q = out_h * out_w;
  p.qpad = roundUpTo(p.q, kConvDirectQuantum);
  // The last tap reads up to the end of the last copy for q - 1 (its row is hp - 1 at most);
  // the padded columns past q read on into the tail.
  p.x_stride = roundUpTo(s.kw * in_ch * hp * out_w + (p.qpad - p.q), 16);
  p.off.resize(p.k);
  for (std::size_t c = 0; c < in_ch; c++)
    for (std::size_t ki = 0; ki < s.kh; ki++)
      for (std::size_t kj = 0; kj < s.kw; kj++)
        p.off[(c * s.kh + ki) * s.kw + kj] = static_cast<std::ptrdiff_t>((kj * in_ch + c) * hp * out_w + ki * s.dh * out_w);
  return p;
}

// dst (x_stride floats) = the kw shifted copies of src (in_ch x in_h x in_w), zero padded.
void shiftedCopies(float* dst, const float* src, const DirectPlan& p) {
  const std::size_t rows = p.in_ch * p.hp;
  for (std::size_t kj = 0; kj < p.kw; kj++) {
    // Output columns [ow0, ow1) read input columns ow + kj*dw - left inside [0, in_w).
    const std::ptrdiff_t shift = static_cast<std::ptrdiff_t>(kj * p.dw) - static_cast<std::ptrdiff_t>(p.left);
    const std::size_t ow0 = static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(-shift, 0, static_cast<std::ptrdiff_t>(p.out_w)));
    const std::size_t ow1 = static_cast<std::size_t>(
        std::clamp<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(p.in_w) - shift, static_cast<std::ptrdiff_t>(ow0), static_cast<std::ptrdiff_t>(p.out_w)));
    float* d = dst + kj * rows * p.out_w;
    for (std::size_t c = 0; c < p.in_ch; c++) {
      // Rows of zero padding above and below the image are contiguous runs.
      std::memset(d, 0, p.top * p.out_w * sizeof(float));
      d += p.top * p.out_w;
      // Input column ow0 + shift >= 0 is the first one copied.
      const float* srow = src + c * p.in_h * p.in_w + (static_cast<std::ptrdiff_t>(ow0) + shift);
      for (std::size_t r = 0; r < p.in_h; r++, d += p.out_w, srow += p.in_w) {
        std::fill(d, d + ow0, 0.0f);
        std::memcpy(d + ow0, srow, (ow1 - ow0) * sizeof(float));
        std::fill(d + ow1, d + p.out_w, 0.0f);
      }
      const std::size_t below = p.hp - p.top - p.in_h;
      std::memset(d, 0, below * p.out_w * sizeof(float));
      d += below * p.out_w;
    }
  }
  std::memset(dst + p.kw * rows * p.out_w, 0, (p.x_stride - p.kw * rows * p.out_w) * sizeof(float));
}

// Weights (out_ch x k, row-major) packed per block of mr channels, depth-major, zero rows past
// out_ch: what ConvDirectForwardFn reads.
std::vector<float> packDirectWeights(const float* w, std::size_t out_ch, std::size_t k, std::size_t mr) {
  std::vector<float> packed(roundUpTo(out_ch, mr) * k, 0.0f);
  for (std::size_t o = 0; o < out_ch; o++) {
    float* block = packed.data() + (o / mr) * mr * k;
    for (std::size_t t = 0; t < k; t++) block[t * mr + o % mr] = w[o * k + t];
  }
  return packed;
}

// out (n, out_ch, out_h, out_w) = correlation of each sample of `in` (n, in_ch, in_h, in_w)
// with the packed weights, plus bias. Samples in parallel, each computed by one thread alone.
bool directCorrelate(float* out, const float* in, const float* packed_w, const float* bias, const DirectPlan& p,
                     std::size_t n) {
  const ConvDirectKernels& kern = convDirectKernels(activeIsa());
  std::atomic<bool> ok{true};
  parallelFor(n, n >= 2 ? SIZE_MAX : 1, [&](std::size_t i) {
    // Whole tiles land in the output planes; a last tile running past the plane goes through
    // `ext` (out_ch x nr) and only its valid columns are copied.
    float* xp = colScratch().reserve(p.x_stride + p.out_ch * kern.nr);
    if (xp == nullptr) {
      ok.store(false);
      return;
    }
    float* ext = xp + p.x_stride;
    shiftedCopies(xp, in + i * p.in_ch * p.in_h * p.in_w, p);
    float* dst = out + i * p.out_ch * p.q;
    for (std::size_t q0 = 0; q0 < p.q; q0 += kern.nr) {  // a tile starting past q is all padding
      const std::size_t nr = std::min(kern.nr, p.qpad - q0);
      const bool inside = q0 + nr <= p.q;
      for (std::size_t o0 = 0; o0 < p.out_ch; o0 += kern.mr) {
        const std::size_t mr = std::min(kern.mr, p.out_ch - o0);
        kern.forward(mr, nr, p.k, packed_w + o0 * p.k, bias != nullptr ? bias + o0 : nullptr, p.off.data(), xp + q0,
                     inside ? dst + o0 * p.q + q0 : ext + o0 * kern.nr, inside ? p.q : kern.nr);
      }
      if (!inside) {
        for (std::size_t o = 0; o < p.out_ch; o++) std::memcpy(dst + o * p.q + q0, ext + o * kern.nr, (p.q - q0) * sizeof(float));
      }
    }
  });
  return ok.load();
}

bool directForward(float* out, const float* x, const float* w, const float* bias, const Conv2dShape& s) {
  const DirectPlan p = makePlan(s.c, s.h, s.w, s.ph, s.pw, s.h + 2 * s.ph, s.w + 2 * s.pw, s.o, s.ho, s.wo, s);
  const std::vector<float> packed = packDirectWeights(w, s.o, p.k, convDirectKernels(activeIsa()).mr);
  return directCorrelate(out, x, packed.data(), bias, p, s.n);
}

// The input gradient of a stride-1 convolution is a full correlation of the output gradient
// (padded by (k-1)*d - pad on each side) with the weights flipped in space and transposed.
// That correlation multiplies the zero border too: it costs h*w / (ho*wo) times the GEMM
// path's arithmetic (LeNet's second layer: 14x14 / 10x10, twice; measured 25% slower than
// GEMM + col2im). So only for nearly 'same'-padded convolutions.
bool directBackwardInputEligible(const Conv2dShape& s) {
  return directEligible(s) && s.c >= kDirectMinChannels && s.c <= kDirectMaxChannels && s.ph <= (s.kh - 1) * s.dh &&
         s.pw <= (s.kw - 1) * s.dw && 4 * s.h * s.w <= 5 * s.ho * s.wo;
}

bool directBackwardInput(float* grad_x, const float* grad_out, const float* w, const Conv2dShape& s) {
  const std::size_t eh = (s.kh - 1) * s.dh, ew = (s.kw - 1) * s.dw;
  const DirectPlan p = makePlan(s.o, s.ho, s.wo, eh - s.ph, ew - s.pw, s.h + eh, s.w + ew, s.c, s.h, s.w, s);
  // w' (c x (o, kh, kw)) with w'[c][o][ki][kj] = w[o][c][kh-1-ki][kw-1-kj].
  std::vector<float> flipped(s.c * p.k);
  const std::size_t taps = s.kh * s.kw;
  for (std::size_t o = 0; o < s.o; o++)
    for (std::size_t c = 0; c < s.c; c++)
      for (std::size_t t = 0; t < taps; t++) flipped[(c * s.o + o) * taps + t] = w[(o * s.c + c) * taps + (taps - 1 - t)];
  const std::vector<float> packed = packDirectWeights(flipped.data(), s.c, p.k, convDirectKernels(activeIsa()).mr);
  return directCorrelate(grad_x, grad_out, packed.data(), nullptr, p, s.n);
}

}  // namespace

const ConvDirectKernels& convDirectKernels(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::kAvx512) return convDirectKernelsAvx512();
  if (isa == Isa::kAvx2) return convDirectKernelsAvx2();
#endif
  (void)isa;
  return convDirectKernelsScalar();
}

std::size_t convOutputSize(std::size_t in, std::size_t k, std::size_t stride, std::size_t pad, std::size_t dilation) {
  const std::size_t span = dilation * (k - 1) + 1;
  if (in + 2 * pad < span || stride == 0) return 0;
  return (in + 2 * pad - span) / stride + 1;
}

std::size_t colStride(const Conv2dShape& s) {
  const std::size_t plane = s.ho * s.wo;
  return plane % 512 == 0 ? plane + 16 : plane;
}

void im2col(float* col, std::size_t ld, const float* x, std::size_t cg, const Conv2dShape& s) {
  for (std::size_t c = 0; c < cg; c++) {
    const float* xc = x + c * s.h * s.w;
    for (std::size_t ki = 0; ki < s.kh; ki++) {
      for (std::size_t kj = 0; kj < s.kw; kj++) {
        float* row = col + ((c * s.kh + ki) * s.kw + kj) * ld;
        const std::ptrdiff_t off_h = static_cast<std::ptrdiff_t>(ki * s.dh) - static_cast<std::ptrdiff_t>(s.ph);
        const std::ptrdiff_t off_w = static_cast<std::ptrdiff_t>(kj * s.dw) - static_cast<std::ptrdiff_t>(s.pw);
        // The output columns whose input column lies inside the image: [ow0, ow1).
        std::size_t ow0 = 0, ow1 = s.wo;
        while (ow0 < s.wo && static_cast<std::ptrdiff_t>(ow0 * s.sw) + off_w < 0) ow0++;
        while (ow1 > ow0 && static_cast<std::ptrdiff_t>((ow1 - 1) * s.sw) + off_w >= static_cast<std::ptrdiff_t>(s.w)) ow1--;
        for (std::size_t oh = 0; oh < s.ho; oh++) {
          float* dst = row + oh * s.wo;
          const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * s.sh) + off_h;
          if (ih < 0 || ih >= static_cast<std::ptrdiff_t>(s.h)) {
            std::memset(dst, 0, s.wo * sizeof(float));
            continue;
          }
          const float* src = xc + static_cast<std::size_t>(ih) * s.w;
          std::fill(dst, dst + ow0, 0.0f);
          if (s.sw == 1) {
            if (ow1 > ow0) std::memcpy(dst + ow0, src + static_cast<std::ptrdiff_t>(ow0) + off_w, (ow1 - ow0) * sizeof(float));
          } else {
            for (std::size_t ow = ow0; ow < ow1; ow++) dst[ow] = src[static_cast<std::ptrdiff_t>(ow * s.sw) + off_w];
          }
          std::fill(dst + std::max(ow0, ow1), dst + s.wo, 0.0f);
        }
      }
    }
  }
}

void col2im(float* x, const float* col, std::size_t ld, std::size_t cg, const Conv2dShape& s) {
  for (std::size_t c = 0; c < cg; c++) {
    float* xc = x + c * s.h * s.w;
    for (std::size_t ki = 0; ki < s.kh; ki++) {
      for (std::size_t kj = 0; kj < s.kw; kj++) {
        const float* row = col + ((c * s.kh + ki) * s.kw + kj) * ld;
        const std::ptrdiff_t off_h = static_cast<std::ptrdiff_t>(ki * s.dh) - static_cast<std::ptrdiff_t>(s.ph);
        const std::ptrdiff_t off_w = static_cast<std::ptrdiff_t>(kj * s.dw) - static_cast<std::ptrdiff_t>(s.pw);
        std::size_t ow0 = 0, ow1 = s.wo;
        while (ow0 < s.wo && static_cast<std::ptrdiff_t>(ow0 * s.sw) + off_w < 0) ow0++;
        while (ow1 > ow0 && static_cast<std::ptrdiff_t>((ow1 - 1) * s.sw) + off_w >= static_cast<std::ptrdiff_t>(s.w)) ow1--;
        for (std::size_t oh = 0; oh < s.ho; oh++) {
          const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * s.sh) + off_h;
          if (ih < 0 || ih >= static_cast<std::ptrdiff_t>(s.h)) continue;
          float* dst = xc + static_cast<std::size_t>(ih) * s.w;
          const float* src = row + oh * s.wo;
          if (s.sw == 1) {  // contiguous on both sides: a loop the compiler vectorizes
            float* d = dst + off_w;
            for (std::size_t ow = ow0; ow < ow1; ow++) d[ow] += src[ow];
          } else {
            for (std::size_t ow = ow0; ow < ow1; ow++) dst[static_cast<std::ptrdiff_t>(ow * s.sw) + off_w] += src[ow];
          }
        }
      }
    }
  }
}

bool conv2dForward(float* out, const float* x, const float* w, const float* bias, const Conv2dShape& s) {
  if (directEligible(s) && s.o >= kDirectMinChannels && s.o <= kDirectMaxChannels) return directForward(out, x, w, bias, s);
  const std::size_t cg = s.c / s.groups, og = s.o / s.groups;
  const std::size_t kdim = cg * s.kh * s.kw, plane = s.ho * s.wo;
  const bool pointwise = isPointwise(s);
  const std::size_t ld = pointwise ? plane : colStride(s);  // of B: the input itself when pointwise
  return forSamples(s.n, [&](std::size_t n, std::size_t threads) {
    float* col = nullptr;
    if (!pointwise && (col = colScratch().reserve(kdim * ld)) == nullptr) return false;
    for (std::size_t g = 0; g < s.groups; g++) {
      const float* xg = x + (n * s.c + g * cg) * s.h * s.w;
      float* og_out = out + (n * s.o + g * og) * plane;
      if (!pointwise) im2col(col, ld, xg, cg, s);
      float beta = 0.0f;
      if (bias != nullptr) {
        // Seed C with the bias so the GEMM adds onto it (beta = 1).
        for (std::size_t oc = 0; oc < og; oc++) std::fill(og_out + oc * plane, og_out + (oc + 1) * plane, bias[g * og + oc]);
        beta = 1.0f;
      }
      if (!sgemm(false, false, og, plane, kdim, w + g * og * kdim, kdim, pointwise ? xg : col, ld, beta, og_out, plane, threads)) {
        return false;
      }
    }
    return true;
  });
}

bool conv2dBackwardInput(float* grad_x, const float* grad_out, const float* w, const Conv2dShape& s) {
  if (directBackwardInputEligible(s)) return directBackwardInput(grad_x, grad_out, w, s);
  const std::size_t cg = s.c / s.groups, og = s.o / s.groups;
  const std::size_t kdim = cg * s.kh * s.kw, plane = s.ho * s.wo;
  const bool pointwise = isPointwise(s);
  const std::size_t ld = colStride(s);
  return forSamples(s.n, [&](std::size_t n, std::size_t threads) {
    float* col = nullptr;
    if (!pointwise && (col = colScratch().reserve(kdim * ld)) == nullptr) return false;
    for (std::size_t g = 0; g < s.groups; g++) {
      float* xg = grad_x + (n * s.c + g * cg) * s.h * s.w;
      const float* go = grad_out + (n * s.o + g * og) * plane;
      // dcol = W^T (kdim x og) times grad_out (og x plane)
      if (pointwise) {
        if (!sgemm(true, false, kdim, plane, og, w + g * og * kdim, kdim, go, plane, 0.0f, xg, plane, threads)) return false;
        continue;
      }
      if (!sgemm(true, false, kdim, plane, og, w + g * og * kdim, kdim, go, plane, 0.0f, col, ld, threads)) return false;
      std::memset(xg, 0, cg * s.h * s.w * sizeof(float));
#if defined(__x86_64__) || defined(_M_X64)
      if (s.sw == 1 && activeIsa() == Isa::kAvx512) {
        f32_col2im_stride1__avx512(xg, col, ld, cg, s);
        continue;
      }
#endif
      col2im(xg, col, ld, cg, s);
    }
    return true;
  });
}

bool conv2dBackwardWeight(float* grad_w, float* grad_bias, const float* grad_out, const float* x, const Conv2dShape& s) {
  const std::size_t cg = s.c / s.groups, og = s.o / s.groups;
  const std::size_t kdim = cg * s.kh * s.kw, plane = s.ho * s.wo;
  const std::size_t wsize = s.o * kdim;
  const bool pointwise = isPointwise(s);
  const std::size_t ld = pointwise ? plane : colStride(s);  // of B: the input itself when pointwise
  // Samples are cut into fixed runs of kSamplesPerPartial (whatever the thread count); each run
  // sums its samples in order into its own partial gradient, in parallel, and the partials are
  // added in run order. The result depends on the batch only, never on the threads.
  constexpr std::size_t kSamplesPerPartial = 4;
  const std::size_t runs = (s.n + kSamplesPerPartial - 1) / kSamplesPerPartial;
  float* partials = nullptr;
  // Kept between calls (a training loop asks for the same size every step); the caller's
  // thread owns it, the workers write disjoint runs of it.
  thread_local ScratchBuffer partial_buffer;
  if (runs > 1) {
    partials = partial_buffer.reserve(runs * wsize);
    if (partials == nullptr) return false;
  }
  std::atomic<bool> ok{true};
  // Direct path: the run's samples' shifted copies side by side, their output gradients with
  // zeroed tails, and one kernel call per tile summing the run.
  const bool direct = directEligible(s) && s.o >= kDirectMinChannels && s.o <= kDirectMaxChannels;
  DirectPlan plan{};
  if (direct) plan = makePlan(s.c, s.h, s.w, s.ph, s.pw, s.h + 2 * s.ph, s.w + 2 * s.pw, s.o, s.ho, s.wo, s);
  auto runDirect = [&](std::size_t r) {
    const ConvDirectKernels& kern = convDirectKernels(activeIsa());
    float* dst = runs > 1 ? partials + r * wsize : grad_w;
    const std::size_t n0 = r * kSamplesPerPartial, n1 = std::min(s.n, n0 + kSamplesPerPartial);
    const std::size_t g_stride = s.o * plan.qpad;
    float* xp = colScratch().reserve((n1 - n0) * (plan.x_stride + g_stride));
    if (xp == nullptr) {
      ok.store(false);
      return;
    }
    float* gp = xp + (n1 - n0) * plan.x_stride;
    std::memset(gp, 0, (n1 - n0) * g_stride * sizeof(float));
    for (std::size_t n = n0; n < n1; n++) {
      shiftedCopies(xp + (n - n0) * plan.x_stride, x + n * s.c * s.h * s.w, plan);
      for (std::size_t o = 0; o < s.o; o++)
        std::memcpy(gp + (n - n0) * g_stride + o * plan.qpad, grad_out + (n * s.o + o) * plan.q, plan.q * sizeof(float));
    }
    for (std::size_t i0 = 0; i0 < s.o; i0 += kern.wg_mr) {
      for (std::size_t t0 = 0; t0 < kdim; t0 += kern.wg_nt) {
        kern.weight_grad(std::min(kern.wg_mr, s.o - i0), std::min(kern.wg_nt, kdim - t0), plan.qpad, n1 - n0,
                         gp + i0 * plan.qpad, plan.qpad, g_stride, xp, plan.x_stride, plan.off.data() + t0,
                         dst + i0 * kdim + t0, kdim, false);
      }
    }
  };
  auto run = [&](std::size_t r, std::size_t threads) {
    if (direct) {
      runDirect(r);
      return;
    }
    float* dst = runs > 1 ? partials + r * wsize : grad_w;
    float* col = nullptr;
    if (!pointwise) {
      col = colScratch().reserve(kdim * ld);
      if (col == nullptr) {
        ok.store(false);
        return;
      }
    }
    const std::size_t n0 = r * kSamplesPerPartial, n1 = std::min(s.n, n0 + kSamplesPerPartial);
    for (std::size_t n = n0; n < n1; n++) {
      for (std::size_t g = 0; g < s.groups; g++) {
        const float* xg = x + (n * s.c + g * cg) * s.h * s.w;
        const float* go = grad_out + (n * s.o + g * og) * plane;
        if (!pointwise) im2col(col, ld, xg, cg, s);
        // dW (og x kdim) += grad_out (og x plane) times col^T (plane x kdim)
        if (!sgemm(false, true, og, kdim, plane, go, plane, pointwise ? xg : col, ld, n == n0 ? 0.0f : 1.0f,
                  dst + g * og * kdim, kdim, threads)) {
          ok.store(false);
          return;
        }
      }
    }
  };
  if (runs > 1 && numThreads() > 1) {
    parallelFor(runs, SIZE_MAX, [&](std::size_t r) { run(r, 1); });
  } else {
    for (std::size_t r = 0; r < runs; r++) run(r, SIZE_MAX);
  }
  if (!ok.load()) return false;
  if (s.n == 0) std::memset(grad_w, 0, wsize * sizeof(float));
  if (runs > 1) {
    std::memcpy(grad_w, partials, wsize * sizeof(float));
    for (std::size_t r = 1; r < runs; r++) {
      const float* p = partials + r * wsize;
      for (std::size_t i = 0; i < wsize; i++) grad_w[i] += p[i];
    }
  }
  if (grad_bias != nullptr) {
    for (std::size_t oc = 0; oc < s.o; oc++) {
      double acc = 0;
      for (std::size_t n = 0; n < s.n; n++) acc += planeSum(grad_out + (n * s.o + oc) * plane, plane);
      grad_bias[oc] = static_cast<float>(acc);
    }
  }
  return true;
}

}  // namespace keel
