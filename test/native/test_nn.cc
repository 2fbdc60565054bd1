// Convolution, pooling and batch norm against naive reference loops, on shapes that exercise
// stride, padding, dilation, groups, the 1x1 path and ceil mode. Run under ASan/UBSan by CI.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "core/cpu.h"
#include "core/thread_pool.h"
#include "kernels/conv/conv.h"
#include "kernels/norm/batchnorm.h"
#include "kernels/pool/pool.h"

using namespace keel;

namespace {

std::vector<float> randomVector(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Direct convolution in double.
std::vector<double> naiveConv(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b,
                              const Conv2dShape& s) {
  const std::size_t cg = s.c / s.groups, og = s.o / s.groups;
  std::vector<double> out(s.n * s.o * s.ho * s.wo);
  for (std::size_t n = 0; n < s.n; n++)
    for (std::size_t o = 0; o < s.o; o++)
      for (std::size_t oh = 0; oh < s.ho; oh++)
        for (std::size_t ow = 0; ow < s.wo; ow++) {
          const std::size_t g = o / og;
          double acc = b.empty() ? 0 : b[o];
          for (std::size_t c = 0; c < cg; c++)
            for (std::size_t ki = 0; ki < s.kh; ki++)
              for (std::size_t kj = 0; kj < s.kw; kj++) {
                const long ih = static_cast<long>(oh * s.sh + ki * s.dh) - static_cast<long>(s.ph);
                const long iw = static_cast<long>(ow * s.sw + kj * s.dw) - static_cast<long>(s.pw);
                if (ih < 0 || iw < 0 || ih >= static_cast<long>(s.h) || iw >= static_cast<long>(s.w)) continue;
                acc += static_cast<double>(x[((n * s.c + g * cg + c) * s.h + ih) * s.w + iw]) *
                       w[((o * cg + c) * s.kh + ki) * s.kw + kj];
              }
          out[((n * s.o + o) * s.ho + oh) * s.wo + ow] = acc;
        }
  return out;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); i++) s += static_cast<double>(a[i]) * b[i];
  return s;
}

Conv2dShape convShape(std::size_t n, std::size_t c, std::size_t h, std::size_t w, std::size_t o, std::size_t k, std::size_t stride,
                      std::size_t pad, std::size_t dil, std::size_t groups) {
  Conv2dShape s{n, c, h, w, o, k, k, stride, stride, pad, pad, dil, dil, groups, 0, 0};
  s.ho = convOutputSize(h, k, stride, pad, dil);
  s.wo = convOutputSize(w, k, stride, pad, dil);
  return s;
}

}  // namespace

TEST_CASE("conv2d forward matches direct convolution; backward passes the adjoint test") {
  std::mt19937 rng(11);
  setNumThreads(2);
  const Conv2dShape shapes[] = {
      convShape(2, 3, 7, 6, 4, 3, 1, 1, 1, 1), convShape(3, 4, 9, 9, 6, 3, 2, 1, 1, 2), convShape(1, 2, 8, 8, 3, 3, 1, 2, 2, 1),
      convShape(2, 5, 6, 6, 7, 1, 1, 0, 1, 1), convShape(2, 4, 5, 5, 4, 3, 1, 1, 1, 4), convShape(4, 1, 12, 12, 6, 5, 1, 0, 1, 1),
      convShape(1, 3, 4, 4, 2, 4, 3, 1, 1, 1),
  };
  for (const Conv2dShape& s : shapes) {
    const std::size_t cg = s.c / s.groups;
    auto x = randomVector(s.n * s.c * s.h * s.w, rng), w = randomVector(s.o * cg * s.kh * s.kw, rng), b = randomVector(s.o, rng);
    std::vector<float> out(s.n * s.o * s.ho * s.wo);
    CHECK(conv2dForward(out.data(), x.data(), w.data(), b.data(), s));
    const auto want = naiveConv(x, w, b, s);
    double err = 0;
    for (std::size_t i = 0; i < out.size(); i++) err = std::max(err, std::fabs(out[i] - want[i]));
    CHECK_MSG(err < 1e-4, "conv forward error " + std::to_string(err));
    // <conv(x), g> == <x, dx(g)> and == <w, dw(g)> (bias-free forward for the identity)
    auto g = randomVector(out.size(), rng);
    std::vector<float> nobias_out(out.size()), gx(x.size()), gw(w.size()), gb(s.o);
    CHECK(conv2dForward(nobias_out.data(), x.data(), w.data(), nullptr, s));
    CHECK(conv2dBackwardInput(gx.data(), g.data(), w.data(), s));
    CHECK(conv2dBackwardWeight(gw.data(), gb.data(), g.data(), x.data(), s));
    const double lhs = dot(nobias_out, g);
    CHECK_MSG(std::fabs(lhs - dot(x, gx)) < 1e-3 * (1 + std::fabs(lhs)), "conv input adjoint");
    CHECK_MSG(std::fabs(lhs - dot(w, gw)) < 1e-3 * (1 + std::fabs(lhs)), "conv weight adjoint");
    double gsum = 0;
    for (float v : g) gsum += v;
    double gbsum = 0;
    for (float v : gb) gbsum += v;
    CHECK_MSG(std::fabs(gsum - gbsum) < 1e-3, "conv bias gradient");
  }
}

// Gradients of the naive convolution in double: gx = dL/dx and gw = dL/dw for L = <conv(x), g>.
void naiveConvGrads(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& g,
                    const Conv2dShape& s, std::vector<double>* gx, std::vector<double>* gw) {
  const std::size_t cg = s.c / s.groups, og = s.o / s.groups;
  gx->assign(x.size(), 0.0);
  gw->assign(w.size(), 0.0);
  for (std::size_t n = 0; n < s.n; n++)
    for (std::size_t o = 0; o < s.o; o++)
      for (std::size_t oh = 0; oh < s.ho; oh++)
        for (std::size_t ow = 0; ow < s.wo; ow++) {
          const double go = g[((n * s.o + o) * s.ho + oh) * s.wo + ow];
          const std::size_t grp = o / og;
          for (std::size_t c = 0; c < cg; c++)
            for (std::size_t ki = 0; ki < s.kh; ki++)
              for (std::size_t kj = 0; kj < s.kw; kj++) {
                const long ih = static_cast<long>(oh * s.sh + ki * s.dh) - static_cast<long>(s.ph);
                const long iw = static_cast<long>(ow * s.sw + kj * s.dw) - static_cast<long>(s.pw);
                if (ih < 0 || iw < 0 || ih >= static_cast<long>(s.h) || iw >= static_cast<long>(s.w)) continue;
                const std::size_t xi = ((n * s.c + grp * cg + c) * s.h + ih) * s.w + iw;
                const std::size_t wi = ((o * cg + c) * s.kh + ki) * s.kw + kj;
                (*gx)[xi] += go * w[wi];
                (*gw)[wi] += go * x[xi];
              }
        }
}

std::vector<Isa> convIsas() {
  std::vector<Isa> out;
  for (int i = 0; i < kIsaCount; i++)
    if (isaSupported(static_cast<Isa>(i))) out.push_back(static_cast<Isa>(i));
  return out;
}

// Forward, input gradient and weight gradient against naive loops in double, under every ISA
// the machine runs, and bit-identical across 1-3 threads.
void checkConvAgainstNaive(const std::vector<Conv2dShape>& shapes, std::mt19937& rng) {
  const Isa saved = activeIsa();
  for (Conv2dShape s : shapes) {
    if (s.kh == 1) {  // a 1 x k kernel: not pointwise, height 1
      s.kw = 5;
      s.pw = 2;
      s.wo = convOutputSize(s.w, s.kw, s.sw, s.pw, s.dw);
    }
    auto x = randomVector(s.n * s.c * s.h * s.w, rng), w = randomVector(s.o * (s.c / s.groups) * s.kh * s.kw, rng),
         b = randomVector(s.o, rng);
    auto g = randomVector(s.n * s.o * s.ho * s.wo, rng);
    const auto want = naiveConv(x, w, b, s);
    std::vector<double> want_gx, want_gw;
    naiveConvGrads(x, w, g, s, &want_gx, &want_gw);
    const double tol_fwd = 1e-5 * (1 + s.c * s.kh * s.kw), tol_gx = 1e-5 * (1 + s.o * s.kh * s.kw),
                 tol_gw = 1e-5 * (1 + s.n * s.ho * s.wo);
    for (Isa isa : convIsas()) {
      setActiveIsa(isa);
      std::vector<float> ref_out, ref_gx, ref_gw;
      for (std::size_t threads : {1, 2, 3}) {
        setNumThreads(threads);
        std::vector<float> out(g.size(), NAN), gx(x.size(), NAN), gw(w.size(), NAN), gb(s.o);
        CHECK(conv2dForward(out.data(), x.data(), w.data(), b.data(), s));
        CHECK(conv2dBackwardInput(gx.data(), g.data(), w.data(), s));
        CHECK(conv2dBackwardWeight(gw.data(), gb.data(), g.data(), x.data(), s));
        const std::string where = std::string(isaName(isa)) + " c=" + std::to_string(s.c) + " o=" + std::to_string(s.o) +
                                  " h=" + std::to_string(s.h) + " w=" + std::to_string(s.w) + " pad=" + std::to_string(s.ph) +
                                  " dil=" + std::to_string(s.dh) + " threads=" + std::to_string(threads);
        double e_out = 0, e_gx = 0, e_gw = 0;
        for (std::size_t i = 0; i < out.size(); i++) e_out = std::max(e_out, std::fabs(out[i] - want[i]));
        for (std::size_t i = 0; i < gx.size(); i++) e_gx = std::max(e_gx, std::fabs(gx[i] - want_gx[i]));
        for (std::size_t i = 0; i < gw.size(); i++) e_gw = std::max(e_gw, std::fabs(gw[i] - want_gw[i]));
        CHECK_MSG(e_out < tol_fwd, "forward error " + std::to_string(e_out) + " " + where);
        CHECK_MSG(e_gx < tol_gx, "input gradient error " + std::to_string(e_gx) + " " + where);
        CHECK_MSG(e_gw < tol_gw, "weight gradient error " + std::to_string(e_gw) + " " + where);
        if (ref_out.empty()) {
          ref_out = out;
          ref_gx = gx;
          ref_gw = gw;
        } else {
          CHECK_MSG(out == ref_out && gx == ref_gx && gw == ref_gw, "not bit-identical across threads: " + where);
        }
      }
    }
  }
  setActiveIsa(saved);
  setNumThreads(2);
}

TEST_CASE("stride-1 convolutions (the direct kernels) match naive loops under every ISA, bit-identical across threads") {
  std::mt19937 rng(17);
  // LeNet's layers, paddings 0..k-1, dilation, odd widths, one row, 1 and 32 channels, and
  // one just past the direct path's channel limit (33) for comparison.
  const std::vector<Conv2dShape> shapes = {
      convShape(9, 1, 28, 28, 6, 5, 1, 2, 1, 1),  convShape(9, 6, 14, 14, 16, 5, 1, 0, 1, 1),
      convShape(5, 3, 7, 11, 5, 3, 1, 1, 1, 1),   convShape(3, 2, 9, 6, 9, 3, 1, 2, 1, 1),
      convShape(2, 4, 10, 9, 3, 3, 1, 2, 2, 1),   convShape(4, 32, 6, 5, 32, 3, 1, 1, 1, 1),
      convShape(2, 5, 1, 17, 7, 1, 1, 0, 1, 1),   convShape(2, 33, 5, 5, 33, 3, 1, 1, 1, 1),
      convShape(6, 2, 5, 5, 1, 5, 1, 4, 1, 1),
  };
  checkConvAgainstNaive(shapes, rng);
}

TEST_CASE("im2col convolutions on planes of a multiple of 512 (column rows padded) match naive loops") {
  std::mt19937 rng(23);
  // colStride pads the column matrix's rows past these planes: forward and both gradients on
  // the im2col path (33+ channels, groups, stride 2), the AVX-512 col2im and the reference one.
  const std::vector<Conv2dShape> shapes = {
      convShape(2, 33, 16, 32, 33, 3, 1, 1, 1, 1),  // 16 x 32 = 512, stride 1
      convShape(1, 3, 32, 64, 35, 3, 2, 1, 1, 1),   // stride 2 onto 16 x 32
      convShape(2, 4, 32, 32, 34, 3, 1, 1, 1, 2),   // 32 x 32 = 1024, two groups
      convShape(1, 3, 32, 64, 35, 1, 2, 0, 1, 1),   // widened to 1x5 by the loop; stride 2 onto 16 x 32
  };
  checkConvAgainstNaive(shapes, rng);
}

TEST_CASE("conv2d is bit-identical across thread counts") {
  std::mt19937 rng(5);
  const Conv2dShape s = convShape(5, 8, 10, 10, 8, 3, 1, 1, 1, 1);
  auto x = randomVector(s.n * s.c * s.h * s.w, rng), w = randomVector(s.o * s.c * 9, rng);
  auto g = randomVector(s.n * s.o * s.ho * s.wo, rng);
  std::vector<float> ref_out, ref_gw;
  for (std::size_t threads : {1, 2, 3}) {
    setNumThreads(threads);
    std::vector<float> out(g.size()), gw(w.size());
    CHECK(conv2dForward(out.data(), x.data(), w.data(), nullptr, s));
    CHECK(conv2dBackwardWeight(gw.data(), nullptr, g.data(), x.data(), s));
    if (ref_out.empty()) {
      ref_out = out;
      ref_gw = gw;
    } else {
      CHECK(out == ref_out);
      CHECK(gw == ref_gw);
    }
  }
  setNumThreads(2);
}

TEST_CASE("max and average pooling match naive windows, ceil mode included") {
  std::mt19937 rng(3);
  for (bool ceil_mode : {false, true}) {
    Pool2dShape s{6, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0};
    s.ho = poolOutputSize(s.h, s.kh, s.sh, s.ph, s.dh, ceil_mode);
    s.wo = poolOutputSize(s.w, s.kw, s.sw, s.pw, s.dw, ceil_mode);
    auto x = randomVector(s.planes * s.h * s.w, rng);
    std::vector<float> mx(s.planes * s.ho * s.wo), av(mx.size());
    std::vector<int32_t> idx(mx.size());
    maxPool2dForward(mx.data(), idx.data(), x.data(), s);
    avgPool2dForward(av.data(), x.data(), s, false, 0);
    for (std::size_t p = 0; p < s.planes; p++)
      for (std::size_t oh = 0; oh < s.ho; oh++)
        for (std::size_t ow = 0; ow < s.wo; ow++) {
          float best = -INFINITY, sum = 0;
          int count = 0;
          for (std::size_t ki = 0; ki < s.kh; ki++)
            for (std::size_t kj = 0; kj < s.kw; kj++) {
              const long ih = static_cast<long>(oh * s.sh + ki) - 1, iw = static_cast<long>(ow * s.sw + kj) - 1;
              if (ih < 0 || iw < 0 || ih >= static_cast<long>(s.h) || iw >= static_cast<long>(s.w)) continue;
              const float v = x[(p * s.h + ih) * s.w + iw];
              best = std::max(best, v);
              sum += v;
              count++;
            }
          const std::size_t o = (p * s.ho + oh) * s.wo + ow;
          CHECK(mx[o] == best);
          CHECK(x[p * s.h * s.w + idx[o]] == best);
          CHECK(std::fabs(av[o] - sum / count) < 1e-5);
        }
    std::vector<float> gx(x.size());
    std::vector<float> g(mx.size(), 1.0f);
    maxPool2dBackward(gx.data(), g.data(), idx.data(), s);
    double total = 0;
    for (float v : gx) total += v;
    CHECK(std::fabs(total - static_cast<double>(g.size())) < 1e-3);
  }
}

TEST_CASE("batch norm forward normalizes each channel and updates running stats") {
  std::mt19937 rng(8);
  const BatchNormShape s{4, 3, 10};
  auto x = randomVector(s.n * s.c * s.l, rng);
  std::vector<float> out(x.size()), mean(s.c), invstd(s.c), rm(s.c, 0.0f), rv(s.c, 1.0f);
  batchNormForward(out.data(), mean.data(), invstd.data(), x.data(), nullptr, nullptr, rm.data(), rv.data(), s, true, 0.1f, 1e-5f);
  for (std::size_t c = 0; c < s.c; c++) {
    double m = 0, v = 0;
    for (std::size_t n = 0; n < s.n; n++)
      for (std::size_t i = 0; i < s.l; i++) m += out[(n * s.c + c) * s.l + i];
    m /= s.n * s.l;
    for (std::size_t n = 0; n < s.n; n++)
      for (std::size_t i = 0; i < s.l; i++) v += std::pow(out[(n * s.c + c) * s.l + i] - m, 2);
    v /= s.n * s.l;
    CHECK(std::fabs(m) < 1e-5);
    CHECK(std::fabs(v - 1) < 1e-3);
    CHECK(std::fabs(rm[c] - 0.1f * mean[c]) < 1e-6);
  }
  std::vector<float> gx(x.size()), gw(s.c), gb(s.c), g = randomVector(x.size(), rng);
  batchNormBackward(gx.data(), gw.data(), gb.data(), g.data(), x.data(), nullptr, mean.data(), invstd.data(), s, true);
  // The input gradient of a normalization sums to zero per channel.
  for (std::size_t c = 0; c < s.c; c++) {
    double total = 0;
    for (std::size_t n = 0; n < s.n; n++)
      for (std::size_t i = 0; i < s.l; i++) total += gx[(n * s.c + c) * s.l + i];
    CHECK(std::fabs(total) < 1e-4);
  }
}

TEST_CASE("max pooling propagates NaN and points at the last NaN of the window, as PyTorch") {
  const Isa saved = activeIsa();
  for (Isa isa : convIsas()) {
    setActiveIsa(isa);
    Pool2dShape s{1, 2, 4, 2, 2, 2, 2, 0, 0, 1, 1, 1, 2};
    const float nan = std::nanf("");
    std::vector<float> x = {1, nan, 3, 4, nan, 2, 9, 8};
    std::vector<float> out(2);
    std::vector<int32_t> idx(2);
    maxPool2dForward(out.data(), idx.data(), x.data(), s);
    CHECK(std::isnan(out[0]));
    CHECK(idx[0] == 4);  // the NaNs are at 1 and 4; PyTorch's loop ends on the last
    CHECK(out[1] == 9.0f && idx[1] == 6);
  }
  setActiveIsa(saved);
}

TEST_CASE("2x2 max pooling (the fast path) gives the first max of each window, odd sizes and ties included") {
  const Isa saved = activeIsa();
  for (Isa isa : convIsas()) {
    setActiveIsa(isa);
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> d(-2, 2);  // few values: many ties
    for (std::size_t h : {2, 5, 8, 34, 67}) {
      Pool2dShape s{3, h, h + 1, 2, 2, 2, 2, 0, 0, 1, 1, h / 2, (h + 1) / 2};
      std::vector<float> x(s.planes * s.h * s.w);
      for (auto& v : x) v = static_cast<float>(d(rng));
      x[0] = -INFINITY;
      x[1] = -INFINITY;
      x[s.w] = -INFINITY;
      x[s.w + 1] = -INFINITY;  // a window of -inf points at its first tap
      std::vector<float> out(s.planes * s.ho * s.wo), plain(out.size());
      std::vector<int32_t> idx(out.size());
      maxPool2dForward(out.data(), idx.data(), x.data(), s);
      maxPool2dForward(plain.data(), nullptr, x.data(), s);
      CHECK(out == plain);
      for (std::size_t p = 0; p < s.planes; p++)
        for (std::size_t oh = 0; oh < s.ho; oh++)
          for (std::size_t ow = 0; ow < s.wo; ow++) {
            float best = -INFINITY;
            std::size_t at = (2 * oh) * s.w + 2 * ow;
            for (std::size_t ki = 0; ki < 2; ki++)
              for (std::size_t kj = 0; kj < 2; kj++) {
                const std::size_t i = (2 * oh + ki) * s.w + 2 * ow + kj;
                if (x[p * s.h * s.w + i] > best) {
                  best = x[p * s.h * s.w + i];
                  at = i;
                }
              }
            const std::size_t o = (p * s.ho + oh) * s.wo + ow;
            CHECK(out[o] == best);
            CHECK(idx[o] == static_cast<int32_t>(at));
          }
    }
  }
  setActiveIsa(saved);
}

TEST_CASE("2x2 max pooling backward (the fast path) matches scattering by index, odd sizes and NaN included") {
  const Isa saved = activeIsa();
  for (Isa isa : convIsas()) {
    setActiveIsa(isa);
    std::mt19937 rng(12);
    std::uniform_int_distribution<int> d(-2, 2);
    for (std::size_t h : {2, 5, 8, 34, 67}) {
      Pool2dShape s{3, h, h + 1, 2, 2, 2, 2, 0, 0, 1, 1, h / 2, (h + 1) / 2};
      std::vector<float> x(s.planes * s.h * s.w);
      for (auto& v : x) v = static_cast<float>(d(rng));
      x[1] = std::nanf("");
      std::vector<float> out(s.planes * s.ho * s.wo), go(out.size());
      for (auto& v : go) v = static_cast<float>(d(rng)) + 0.5f;
      std::vector<int32_t> idx(out.size());
      maxPool2dForward(out.data(), idx.data(), x.data(), s);
      std::vector<float> gx(x.size(), 7.0f), want(x.size(), 0.0f);  // stale values must be overwritten
      maxPool2dBackward(gx.data(), go.data(), idx.data(), s);
      for (std::size_t p = 0; p < s.planes; p++)
        for (std::size_t o = 0; o < s.ho * s.wo; o++) want[p * s.h * s.w + idx[p * s.ho * s.wo + o]] += go[p * s.ho * s.wo + o];
      CHECK(gx == want);
    }
  }
  setActiveIsa(saved);
}

#include "kernels/rnn/lstm.h"

namespace {
double sig(double v) { return 1 / (1 + std::exp(-v)); }
}  // namespace

TEST_CASE("LSTM forward matches the equations step by step (reverse, lengths); backward runs clean") {
  std::mt19937 rng(21);
  const std::size_t T = 4, B = 3, I = 5, H = 3;
  const int32_t lengths[B] = {4, 1, 3};
  for (bool reverse : {false, true}) {
    LstmShape s{T, B, I, H, reverse, lengths};
    auto x = randomVector(T * B * I, rng), h0 = randomVector(B * H, rng), c0 = randomVector(B * H, rng);
    auto wih = randomVector(4 * H * I, rng), whh = randomVector(4 * H * H, rng), bias = randomVector(4 * H, rng);
    std::vector<float> out((T + 2) * B * H), hs((T + 1) * B * H), cs((T + 1) * B * H), gates(T * B * 4 * H);
    CHECK(lstmForward(out.data(), hs.data(), cs.data(), gates.data(), x.data(), h0.data(), c0.data(), wih.data(), whh.data(),
                      bias.data(), s));
    for (std::size_t b = 0; b < B; b++) {
      std::vector<double> h(h0.begin() + b * H, h0.begin() + (b + 1) * H), c(c0.begin() + b * H, c0.begin() + (b + 1) * H);
      for (std::size_t step = 0; step < T; step++) {
        const std::size_t t = reverse ? T - 1 - step : step;
        if (static_cast<int32_t>(t) >= lengths[b]) {
          for (std::size_t j = 0; j < H; j++) CHECK(out[(t * B + b) * H + j] == 0.0f);
          continue;
        }
        std::vector<double> g(4 * H);
        for (std::size_t r = 0; r < 4 * H; r++) {
          double acc = bias[r];
          for (std::size_t k = 0; k < I; k++) acc += static_cast<double>(wih[r * I + k]) * x[(t * B + b) * I + k];
          for (std::size_t k = 0; k < H; k++) acc += static_cast<double>(whh[r * H + k]) * h[k];
          g[r] = acc;
        }
        for (std::size_t j = 0; j < H; j++) {
          c[j] = sig(g[H + j]) * c[j] + sig(g[j]) * std::tanh(g[2 * H + j]);
          h[j] = sig(g[3 * H + j]) * std::tanh(c[j]);
          CHECK(std::fabs(out[(t * B + b) * H + j] - h[j]) < 1e-5);
        }
      }
      for (std::size_t j = 0; j < H; j++) {
        CHECK(std::fabs(out[(T * B + b) * H + j] - h[j]) < 1e-5);        // h_n
        CHECK(std::fabs(out[((T + 1) * B + b) * H + j] - c[j]) < 1e-5);  // c_n
      }
    }
    std::vector<float> dx(T * B * I), dh0(B * H), dc0(B * H), dwih(wih.size()), dwhh(whh.size()), db(4 * H), dg(gates.size());
    auto dout = randomVector(T * B * H, rng);
    CHECK(lstmBackward(dx.data(), dh0.data(), dc0.data(), dwih.data(), dwhh.data(), db.data(), dg.data(), dout.data(), nullptr,
                       nullptr, x.data(), wih.data(), whh.data(), hs.data(), cs.data(), gates.data(), s));
  }
}

namespace {

struct LstmRun {
  std::vector<float> out, hs, cs, gates, dx, dh0, dc0, dwih, dwhh, db;
};

LstmRun runLstm(const LstmShape& s, std::size_t threads, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::size_t T = s.t, B = s.b, I = s.i, H = s.h;
  auto x = randomVector(T * B * I, rng), h0 = randomVector(B * H, rng), c0 = randomVector(B * H, rng);
  auto wih = randomVector(4 * H * I, rng), whh = randomVector(4 * H * H, rng), bias = randomVector(4 * H, rng);
  auto dout = randomVector(T * B * H, rng), dhn = randomVector(B * H, rng), dcn = randomVector(B * H, rng);
  for (auto* w : {&wih, &whh})
    for (auto& v : *w) v *= 0.2f;
  LstmRun r;
  r.out.resize((T + 2) * B * H);
  r.hs.resize((T + 1) * B * H);
  r.cs.resize((T + 1) * B * H);
  r.gates.resize(T * B * 4 * H);
  setNumThreads(threads);
  CHECK(lstmForward(r.out.data(), r.hs.data(), r.cs.data(), r.gates.data(), x.data(), h0.data(), c0.data(), wih.data(),
                    whh.data(), bias.data(), s));
  r.dx.resize(T * B * I);
  r.dh0.resize(B * H);
  r.dc0.resize(B * H);
  r.dwih.resize(wih.size());
  r.dwhh.resize(whh.size());
  r.db.resize(4 * H);
  std::vector<float> dg(r.gates.size());
  CHECK(lstmBackward(r.dx.data(), r.dh0.data(), r.dc0.data(), r.dwih.data(), r.dwhh.data(), r.db.data(), dg.data(),
                     dout.data(), dhn.data(), dcn.data(), x.data(), wih.data(), whh.data(), r.hs.data(), r.cs.data(),
                     r.gates.data(), s));
  return r;
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("LSTM forward and backward are bit-identical across thread counts, under every ISA") {
  const Isa saved = activeIsa();
  // Big enough for the parallel cell passes (b * h >= 4096) and a multi-band recurrent GEMM;
  // h = 200 leaves a partial unit block and a partial row tile.
  const int32_t lengths[32] = {7, 7, 3, 7, 1, 7, 7, 5, 7, 7, 7, 2, 7, 7, 7, 7,
                               7, 6, 7, 7, 7, 7, 4, 7, 7, 7, 7, 7, 7, 7, 7, 7};
  for (int isa_i = 0; isa_i < kIsaCount; isa_i++) {
    const Isa isa = static_cast<Isa>(isa_i);
    if (!isaSupported(isa)) continue;
    setActiveIsa(isa);
    for (bool reverse : {false, true})
      for (const int32_t* lens : {static_cast<const int32_t*>(nullptr), lengths}) {
        LstmShape s{7, 32, 24, 200, reverse, lens};
        const LstmRun one = runLstm(s, 1, 5), two = runLstm(s, 2, 5), three = runLstm(s, 3, 5);
        for (const LstmRun* r : {&two, &three}) {
          const std::string what = std::string(isaName(isa)) + (reverse ? " reversed" : "") + (lens ? " with lengths" : "");
          CHECK_MSG(sameBits(one.out, r->out) && sameBits(one.hs, r->hs) && sameBits(one.cs, r->cs) &&
                        sameBits(one.gates, r->gates), "LSTM forward differs across threads: " + what);
          CHECK_MSG(sameBits(one.dx, r->dx) && sameBits(one.dh0, r->dh0) && sameBits(one.dc0, r->dc0) &&
                        sameBits(one.dwih, r->dwih) && sameBits(one.dwhh, r->dwhh) && sameBits(one.db, r->db),
                    "LSTM backward differs across threads: " + what);
        }
      }
  }
  setNumThreads(2);
  setActiveIsa(saved);
}

#include "kernels/rnn/gru.h"

TEST_CASE("GRU forward matches the equations step by step (reverse, lengths, two unit blocks)") {
  std::mt19937 rng(31);
  const std::size_t T = 4, B = 3, I = 5, H = 30;  // 30 units: a 28-unit block and a partial one
  const int32_t lengths[B] = {4, 1, 3};
  for (bool reverse : {false, true}) {
    GruShape s{T, B, I, H, reverse, lengths};
    auto x = randomVector(T * B * I, rng), h0 = randomVector(B * H, rng);
    auto wih = randomVector(3 * H * I, rng), whh = randomVector(3 * H * H, rng);
    auto bih = randomVector(3 * H, rng), bhh = randomVector(3 * H, rng);
    for (auto& v : whh) v *= 0.3f;
    std::vector<float> out((T + 1) * B * H), hs((T + 1) * B * H), hn((T + 1) * B * H), gates(T * B * 3 * H);
    CHECK(gruForward(out.data(), hs.data(), gates.data(), hn.data(), x.data(), h0.data(), wih.data(), whh.data(), bih.data(),
                     bhh.data(), s));
    for (std::size_t b = 0; b < B; b++) {
      std::vector<double> h(h0.begin() + b * H, h0.begin() + (b + 1) * H);
      for (std::size_t step = 0; step < T; step++) {
        const std::size_t t = reverse ? T - 1 - step : step;
        if (static_cast<int32_t>(t) >= lengths[b]) {
          for (std::size_t j = 0; j < H; j++) CHECK(out[(t * B + b) * H + j] == 0.0f);
          continue;
        }
        std::vector<double> gx(3 * H), gh(3 * H);
        for (std::size_t r = 0; r < 3 * H; r++) {
          double ax = bih[r], ah = bhh[r];
          for (std::size_t k = 0; k < I; k++) ax += static_cast<double>(wih[r * I + k]) * x[(t * B + b) * I + k];
          for (std::size_t k = 0; k < H; k++) ah += static_cast<double>(whh[r * H + k]) * h[k];
          gx[r] = ax;
          gh[r] = ah;
        }
        std::vector<double> hnew(H);
        for (std::size_t j = 0; j < H; j++) {
          const double r = sig(gx[j] + gh[j]), z = sig(gx[H + j] + gh[H + j]);
          const double n = std::tanh(gx[2 * H + j] + r * gh[2 * H + j]);
          hnew[j] = (1 - z) * n + z * h[j];
          CHECK(std::fabs(out[(t * B + b) * H + j] - hnew[j]) < 1e-5);
        }
        h = hnew;
      }
      for (std::size_t j = 0; j < H; j++) CHECK(std::fabs(out[(T * B + b) * H + j] - h[j]) < 1e-5);  // h_n
    }
  }
}

namespace {

struct GruRun {
  std::vector<float> out, hs, hn, gates, dx, dh0, dwih, dwhh, dbih, dbhh;
};

GruRun runGru(const GruShape& s, std::size_t threads, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::size_t T = s.t, B = s.b, I = s.i, H = s.h;
  auto x = randomVector(T * B * I, rng), h0 = randomVector(B * H, rng);
  auto wih = randomVector(3 * H * I, rng), whh = randomVector(3 * H * H, rng);
  auto bih = randomVector(3 * H, rng), bhh = randomVector(3 * H, rng);
  auto dout = randomVector(T * B * H, rng), dhn = randomVector(B * H, rng);
  for (auto* w : {&wih, &whh})
    for (auto& v : *w) v *= 0.2f;
  GruRun r;
  r.out.resize((T + 1) * B * H);
  r.hs.resize((T + 1) * B * H);
  r.hn.resize((T + 1) * B * H);
  r.gates.resize(T * B * 3 * H);
  setNumThreads(threads);
  CHECK(gruForward(r.out.data(), r.hs.data(), r.gates.data(), r.hn.data(), x.data(), h0.data(), wih.data(), whh.data(),
                   bih.data(), bhh.data(), s));
  r.dx.resize(T * B * I);
  r.dh0.resize(B * H);
  r.dwih.resize(wih.size());
  r.dwhh.resize(whh.size());
  r.dbih.resize(3 * H);
  r.dbhh.resize(3 * H);
  std::vector<float> dgx(r.gates.size()), dgh(r.gates.size());
  CHECK(gruBackward(r.dx.data(), r.dh0.data(), r.dwih.data(), r.dwhh.data(), r.dbih.data(), r.dbhh.data(), dgx.data(),
                    dgh.data(), dout.data(), dhn.data(), x.data(), wih.data(), whh.data(), r.hs.data(), r.gates.data(),
                    r.hn.data(), s));
  return r;
}

}  // namespace

TEST_CASE("GRU forward and backward are bit-identical across thread counts, under every ISA") {
  const Isa saved = activeIsa();
  const int32_t lengths[32] = {7, 7, 3, 7, 1, 7, 7, 5, 7, 7, 7, 2, 7, 7, 7, 7,
                               7, 6, 7, 7, 7, 7, 4, 7, 7, 7, 7, 7, 7, 7, 7, 7};
  for (int isa_i = 0; isa_i < kIsaCount; isa_i++) {
    const Isa isa = static_cast<Isa>(isa_i);
    if (!isaSupported(isa)) continue;
    setActiveIsa(isa);
    for (bool reverse : {false, true})
      for (const int32_t* lens : {static_cast<const int32_t*>(nullptr), lengths}) {
        GruShape s{7, 32, 24, 200, reverse, lens};
        const GruRun one = runGru(s, 1, 6), two = runGru(s, 2, 6), three = runGru(s, 3, 6);
        for (const GruRun* r : {&two, &three}) {
          const std::string what = std::string(isaName(isa)) + (reverse ? " reversed" : "") + (lens ? " with lengths" : "");
          CHECK_MSG(sameBits(one.out, r->out) && sameBits(one.hs, r->hs) && sameBits(one.hn, r->hn) &&
                        sameBits(one.gates, r->gates), "GRU forward differs across threads: " + what);
          CHECK_MSG(sameBits(one.dx, r->dx) && sameBits(one.dh0, r->dh0) && sameBits(one.dwih, r->dwih) &&
                        sameBits(one.dwhh, r->dwhh) && sameBits(one.dbih, r->dbih) && sameBits(one.dbhh, r->dbhh),
                    "GRU backward differs across threads: " + what);
        }
      }
  }
  setNumThreads(2);
  setActiveIsa(saved);
}
