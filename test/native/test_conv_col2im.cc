// The per-ISA col2im (col2im.h) against the reference col2im of conv.cc: bit for bit, on shapes
// with padding on either side, dilation, row stride, rows narrower and wider than a vector,
// and output columns that reach past the input. The buffers are exact-size and the comparison
// bit for bit, so a masked load taking lanes from outside its column row changes the result.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "core/cpu.h"
#include "kernels/conv/col2im.h"
#include "kernels/conv/conv.h"

using namespace keel;

#if defined(__x86_64__) || defined(_M_X64)
TEST_CASE("col2im: the AVX-512 kernel adds what the reference adds, bit for bit") {
  if (!isaSupported(Isa::kAvx512)) return;
  struct Geometry {
    std::size_t c, h, w, kh, kw, sh, ph, pw, dh, dw;
  };
  const Geometry cases[] = {
      {6, 14, 14, 5, 5, 1, 0, 0, 1, 1},   // LeNet's second layer
      {1, 28, 28, 5, 5, 1, 2, 2, 1, 1},   // LeNet's first, 'same' padding
      {3, 9, 37, 3, 3, 1, 1, 1, 1, 1},    // rows wider than two vectors
      {2, 10, 17, 3, 4, 2, 1, 3, 2, 2},   // row stride, dilation, wide padding
      {2, 7, 5, 3, 3, 1, 2, 2, 1, 1},     // padding past the kernel's reach on narrow rows
      {1, 4, 33, 1, 7, 1, 0, 6, 1, 3},    // output columns that start left of the input
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1, 1);
  for (const Geometry& g : cases) {
    Conv2dShape s{};
    s.n = 1; s.c = g.c; s.h = g.h; s.w = g.w; s.o = 1; s.kh = g.kh; s.kw = g.kw;
    s.sh = g.sh; s.sw = 1; s.ph = g.ph; s.pw = g.pw; s.dh = g.dh; s.dw = g.dw; s.groups = 1;
    s.ho = convOutputSize(g.h, g.kh, g.sh, g.ph, g.dh);
    s.wo = convOutputSize(g.w, g.kw, 1, g.pw, g.dw);
    CHECK(s.ho > 0 && s.wo > 0);
    // Rows packed tight, and rows further apart than a plane (as colStride pads them).
    const std::size_t plane = s.ho * s.wo;
    for (std::size_t ld : {plane, plane + 5}) {
      // Exact-size buffers: ASan checks the plain accesses past either end; a wrong lane mask
      // shows in the bit-for-bit comparison. Values in the gaps between rows would show too.
      const std::size_t rows = g.c * g.kh * g.kw;
      std::vector<float> col((rows - 1) * ld + plane);
      for (auto& v : col) v = d(rng);
      std::vector<float> start(g.c * g.h * g.w);
      for (auto& v : start) v = d(rng);
      std::vector<float> want = start, got = start;
      col2im(want.data(), col.data(), ld, g.c, s);
      f32_col2im_stride1__avx512(got.data(), col.data(), ld, g.c, s);
      CHECK_MSG(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0,
                "col2im differs for c=" + std::to_string(g.c) + " h=" + std::to_string(g.h) + " w=" + std::to_string(g.w) +
                    " ld=" + std::to_string(ld));
    }
  }
}
#endif
