#include "conv.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "../../core/aligned_alloc.h"
#include "../../core/thread_pool.h"
#include "../gemm/gemm.h"

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

}  // namespace

std::size_t convOutputSize(std::size_t in, std::size_t k, std::size_t stride, std::size_t pad, std::size_t dilation) {
  const std::size_t span = dilation * (k - 1) + 1;
  if (in + 2 * pad < span || stride == 0) return 0;
  return (in + 2 * pad - span) / stride + 1;
}

void im2col(float* col, const float* x, std::size_t cg, const Conv2dShape& s) {
  const std::size_t plane = s.ho * s.wo;
  for (std::size_t c = 0; c < cg; c++) {
    const float* xc = x + c * s.h * s.w;
    for (std::size_t ki = 0; ki < s.kh; ki++) {
      for (std::size_t kj = 0; kj < s.kw; kj++) {
        float* row = col + ((c * s.kh + ki) * s.kw + kj) * plane;
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

void col2im(float* x, const float* col, std::size_t cg, const Conv2dShape& s) {
  const std::size_t plane = s.ho * s.wo;
  for (std::size_t c = 0; c < cg; c++) {
    float* xc = x + c * s.h * s.w;
    for (std::size_t ki = 0; ki < s.kh; ki++) {
      for (std::size_t kj = 0; kj < s.kw; kj++) {
        const float* row = col + ((c * s.kh + ki) * s.kw + kj) * plane;
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
          for (std::size_t ow = ow0; ow < ow1; ow++) dst[static_cast<std::ptrdiff_t>(ow * s.sw) + off_w] += src[ow];
        }
      }
    }
  }
}

bool conv2dForward(float* out, const float* x, const float* w, const float* bias, const Conv2dShape& s) {
  const std::size_t cg = s.c / s.groups, og = s.o / s.groups;
  const std::size_t kdim = cg * s.kh * s.kw, plane = s.ho * s.wo;
  const bool pointwise = isPointwise(s);
  return forSamples(s.n, [&](std::size_t n, std::size_t threads) {
    float* col = nullptr;
    if (!pointwise && (col = colScratch().reserve(kdim * plane)) == nullptr) return false;
    for (std::size_t g = 0; g < s.groups; g++) {
      const float* xg = x + (n * s.c + g * cg) * s.h * s.w;
      float* og_out = out + (n * s.o + g * og) * plane;
      if (!pointwise) im2col(col, xg, cg, s);
      float beta = 0.0f;
      if (bias != nullptr) {
        // Seed C with the bias so the GEMM adds onto it (beta = 1).
        for (std::size_t oc = 0; oc < og; oc++) std::fill(og_out + oc * plane, og_out + (oc + 1) * plane, bias[g * og + oc]);
        beta = 1.0f;
      }
      if (!sgemm(false, false, og, plane, kdim, w + g * og * kdim, kdim, pointwise ? xg : col, plane, beta, og_out, plane, threads)) {
        return false;
      }
    }
    return true;
  });
}

bool conv2dBackwardInput(float* grad_x, const float* grad_out, const float* w, const Conv2dShape& s) {
  const std::size_t cg = s.c / s.groups, og = s.o / s.groups;
  const std::size_t kdim = cg * s.kh * s.kw, plane = s.ho * s.wo;
  const bool pointwise = isPointwise(s);
  return forSamples(s.n, [&](std::size_t n, std::size_t threads) {
    float* col = nullptr;
    if (!pointwise && (col = colScratch().reserve(kdim * plane)) == nullptr) return false;
    for (std::size_t g = 0; g < s.groups; g++) {
      float* xg = grad_x + (n * s.c + g * cg) * s.h * s.w;
      const float* go = grad_out + (n * s.o + g * og) * plane;
      // dcol = W^T (kdim x og) times grad_out (og x plane)
      if (pointwise) {
        if (!sgemm(true, false, kdim, plane, og, w + g * og * kdim, kdim, go, plane, 0.0f, xg, plane, threads)) return false;
        continue;
      }
      if (!sgemm(true, false, kdim, plane, og, w + g * og * kdim, kdim, go, plane, 0.0f, col, plane, threads)) return false;
      std::memset(xg, 0, cg * s.h * s.w * sizeof(float));
      col2im(xg, col, cg, s);
    }
    return true;
  });
}

bool conv2dBackwardWeight(float* grad_w, float* grad_bias, const float* grad_out, const float* x, const Conv2dShape& s) {
  const std::size_t cg = s.c / s.groups, og = s.o / s.groups;
  const std::size_t kdim = cg * s.kh * s.kw, plane = s.ho * s.wo;
  const std::size_t wsize = s.o * kdim;
  const bool pointwise = isPointwise(s);
  // Samples are cut into fixed runs of kSamplesPerPartial (whatever the thread count); each run
  // sums its samples in order into its own partial gradient, in parallel, and the partials are
  // added in run order. The result depends on the batch only, never on the threads.
  constexpr std::size_t kSamplesPerPartial = 4;
  const std::size_t runs = (s.n + kSamplesPerPartial - 1) / kSamplesPerPartial;
  float* partials = nullptr;
  ScratchBuffer partial_buffer;
  if (runs > 1) {
    partials = partial_buffer.reserve(runs * wsize);
    if (partials == nullptr) return false;
  }
  std::atomic<bool> ok{true};
  auto run = [&](std::size_t r, std::size_t threads) {
    float* dst = runs > 1 ? partials + r * wsize : grad_w;
    float* col = nullptr;
    if (!pointwise) {
      col = colScratch().reserve(kdim * plane);
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
        if (!pointwise) im2col(col, xg, cg, s);
        // dW (og x kdim) += grad_out (og x plane) times col^T (plane x kdim)
        if (!sgemm(false, true, og, kdim, plane, go, plane, pointwise ? xg : col, plane, n == n0 ? 0.0f : 1.0f,
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
      for (std::size_t n = 0; n < s.n; n++) {
        const float* p = grad_out + (n * s.o + oc) * plane;
        float part = 0.0f;
        for (std::size_t i = 0; i < plane; i++) part += p[i];
        acc += part;
      }
      grad_bias[oc] = static_cast<float>(acc);
    }
  }
  return true;
}

}  // namespace keel
