#include "pack.h"

#include <cstring>

namespace keel {
namespace {

// Lane l of the panel is source row l (stride ld), contiguous along depth: op(A) when A is not
// transposed, op(B) when B is. Reads W streams at once, writes one.
template <std::size_t W>
void packLanesStrided(float* dst, const float* src, std::size_t ld, std::size_t lanes,
                      std::size_t kc) {
  if (lanes == W) {
    // Blocks of 8 depth steps: each source row contributes one contiguous run of 8, and the
    // destination block (8*W floats) stays in L1 while it is filled.
    std::size_t p = 0;
    for (; p + 8 <= kc; p += 8) {
      for (std::size_t l = 0; l < W; l++) {
        const float* s = src + l * ld + p;
        float* d = dst + p * W + l;
        for (std::size_t q = 0; q < 8; q++) d[q * W] = s[q];
      }
    }
    for (; p < kc; p++) {
      for (std::size_t l = 0; l < W; l++) dst[p * W + l] = src[l * ld + p];
    }
    return;
  }
  for (std::size_t p = 0; p < kc; p++) {
    std::size_t l = 0;
    for (; l < lanes; l++) dst[p * W + l] = src[l * ld + p];
    for (; l < W; l++) dst[p * W + l] = 0.0f;
  }
}

// Lanes are contiguous in the source and depth is strided: op(A) when A is transposed, op(B)
// when it is not. Each depth step is one short contiguous copy.
template <std::size_t W>
void packLanesContiguous(float* dst, const float* src, std::size_t ld, std::size_t lanes,
                         std::size_t kc) {
  if (lanes == W) {
    for (std::size_t p = 0; p < kc; p++) std::memcpy(dst + p * W, src + p * ld, W * sizeof(float));
    return;
  }
  for (std::size_t p = 0; p < kc; p++) {
    std::memcpy(dst + p * W, src + p * ld, lanes * sizeof(float));
    std::memset(dst + p * W + lanes, 0, (W - lanes) * sizeof(float));
  }
}

// Runtime-width fallback for tile widths without a specialization.
void packLanesStridedAny(float* dst, const float* src, std::size_t ld, std::size_t lanes,
                         std::size_t w, std::size_t kc) {
  for (std::size_t p = 0; p < kc; p++) {
    for (std::size_t l = 0; l < w; l++) dst[p * w + l] = l < lanes ? src[l * ld + p] : 0.0f;
  }
}

void packLanesContiguousAny(float* dst, const float* src, std::size_t ld, std::size_t lanes,
                            std::size_t w, std::size_t kc) {
  for (std::size_t p = 0; p < kc; p++) {
    std::memcpy(dst + p * w, src + p * ld, lanes * sizeof(float));
    std::memset(dst + p * w + lanes, 0, (w - lanes) * sizeof(float));
  }
}

using PanelFn = void (*)(float*, const float*, std::size_t, std::size_t, std::size_t);

template <std::size_t W>
struct StridedTag {
  static constexpr PanelFn fn = packLanesStrided<W>;
};
template <std::size_t W>
struct ContiguousTag {
  static constexpr PanelFn fn = packLanesContiguous<W>;
};

// Specialized widths: the tile sides of the kernels in this directory.
template <template <std::size_t> class Tag>
PanelFn pick(std::size_t w) {
  switch (w) {
    case 4: return Tag<4>::fn;
    case 6: return Tag<6>::fn;
    case 8: return Tag<8>::fn;
    case 12: return Tag<12>::fn;
    case 14: return Tag<14>::fn;
    case 16: return Tag<16>::fn;
    case 24: return Tag<24>::fn;
    case 32: return Tag<32>::fn;
    case 48: return Tag<48>::fn;
    case 64: return Tag<64>::fn;
    default: return nullptr;
  }
}

void packPanels(float* dst, const float* src, std::size_t ld, bool lanes_strided,
                std::size_t lanes_total, std::size_t depth, std::size_t w) {
  const PanelFn fn = lanes_strided ? pick<StridedTag>(w) : pick<ContiguousTag>(w);
  for (std::size_t q = 0; q * w < lanes_total; q++) {
    const std::size_t lanes = lanes_total - q * w < w ? lanes_total - q * w : w;
    const float* panel_src = lanes_strided ? src + q * w * ld : src + q * w;
    float* panel_dst = dst + q * w * depth;
    if (fn != nullptr) {
      fn(panel_dst, panel_src, ld, lanes, depth);
    } else if (lanes_strided) {
      packLanesStridedAny(panel_dst, panel_src, ld, lanes, w, depth);
    } else {
      packLanesContiguousAny(panel_dst, panel_src, ld, lanes, w, depth);
    }
  }
}

}  // namespace

void packA(float* dst, const float* a, std::size_t lda, bool trans_a, std::size_t i0,
           std::size_t mc, std::size_t p0, std::size_t kc, std::size_t mr) {
  if (!trans_a) {
    packPanels(dst, a + i0 * lda + p0, lda, /*lanes_strided=*/true, mc, kc, mr);
  } else {
    packPanels(dst, a + p0 * lda + i0, lda, /*lanes_strided=*/false, mc, kc, mr);
  }
}

void packB(float* dst, const float* b, std::size_t ldb, bool trans_b, std::size_t p0,
           std::size_t kc, std::size_t j0, std::size_t nc, std::size_t nr) {
  if (!trans_b) {
    packPanels(dst, b + p0 * ldb + j0, ldb, /*lanes_strided=*/false, nc, kc, nr);
  } else {
    packPanels(dst, b + j0 * ldb + p0, ldb, /*lanes_strided=*/true, nc, kc, nr);
  }
}

}  // namespace keel
