// Branch-free float math that compilers vectorize: each function is straight-line arithmetic
// and selects, so a loop calling it becomes SIMD code for whatever ISA the including
// translation unit is compiled for. libm's expf/logf/tanhf are calls the vectorizer cannot see
// through. Accuracy: within 2 ulp of correctly rounded over the float range (Cephes-style
// range reduction and minimax polynomials), NaN in gives NaN out.
//
// Included only inside an anonymous namespace of each ISA translation unit, so every ISA gets
// its own copy and no definition compiled with wider flags can leak into another.
// Expects <cmath>, <cstdint> and <cstring> included before (it sits inside a namespace).
#pragma once

inline float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint32_t floatToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// exp(x): x = n*ln2 + r with |r| <= ln2/2, exp(r) by a degree-6 polynomial, times 2^n built in
// the exponent bits. Saturates to 0 below -87.3 and to +inf above 88.7.
inline float vexp(float x) {
  const float hi = 88.72283935546875f, lo = -87.33654022216797f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  // Round to nearest with the 1.5*2^23 trick: vectorizes on every ISA, unlike nearbyint.
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // n in [-126, 128]: split the scale in two so 2^128 (for x near hi) does not overflow the
  // exponent field on the way.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  const float s1 = bitsToFloat(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bitsToFloat(static_cast<uint32_t>(n2 + 127) << 23);
  float result = p * s1 * s2;
  result = x > hi ? INFINITY : result;
  result = x < lo ? 0.0f : result;
  return x != x ? x : result;
}

// log(x): x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a degree-9 polynomial.
inline float vlog(float x) {
  const uint32_t bits = floatToBits(x);
  // Normalize denormals by scaling with 2^23 first.
  const bool denormal = x < 1.17549435e-38f;
  const float xs = denormal ? x * 8388608.0f : x;
  const uint32_t b = floatToBits(xs);
  int32_t e = static_cast<int32_t>((b >> 23) & 0xff) - 126;
  float m = bitsToFloat((b & 0x007fffffu) | 0x3f000000u);  // in [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1 : e;
  m = small ? m + m - 1.0f : m - 1.0f;
  float ef = static_cast<float>(e) - (denormal ? 23.0f : 0.0f);
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y += ef * -2.12194440e-4f;
  y += -0.5f * z;
  float result = m + y + ef * 0.693359375f;
  result = x == 0.0f ? -INFINITY : result;
  result = x < 0.0f ? NAN : result;
  result = bits == 0x7f800000u ? INFINITY : result;
  return x != x ? x : result;
}

// tanh(x): an odd polynomial for |x| < 0.625 (where 1 - 2/(e^2x + 1) loses digits), the
// exponential form beyond, saturating to +-1 past 9.
inline float vtanh(float x) {
  const float ax = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = x + x * z * p;
  const float e = vexp(2.0f * (ax > 9.0f ? 9.0f : ax));
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = x < 0.0f ? -big : big;
  const float result = ax < 0.625f ? small : big;
  return x != x ? x : result;
}

// sigmoid(x) = 1 / (1 + e^-x), written so neither branch overflows: for x >= 0 use
// 1/(1+e^-x), for x < 0 use e^x/(1+e^x).
inline float vsigmoid(float x) {
  const float e = vexp(-std::fabs(x));
  const float pos = 1.0f / (1.0f + e);
  const float result = x >= 0.0f ? pos : e * pos;
  return x != x ? x : result;
}

// log(1 + x) accurate near 0: log(u) * x / (u - 1) with u = 1 + x corrects the rounding of u.
inline float vlog1p(float x) {
  const float u = 1.0f + x;
  const float d = u - 1.0f;
  const float result = d == 0.0f ? x : vlog(u) * (x / d);
  return u == INFINITY ? u : result;
}

// exp(x) - 1 accurate near 0: (u - 1) * x / log(u) with u = e^x (Kahan's trick).
inline float vexpm1(float x) {
  const float u = vexp(x);
  const float um1 = u - 1.0f;
  const float l = vlog(u);
  float result = (u == 1.0f) ? x : (um1 == -1.0f ? -1.0f : um1 * x / l);
  result = u == INFINITY ? u : result;
  return std::fabs(x) < 1e-5f ? x + 0.5f * x * x : result;
}

// erf(x), Abramowitz & Stegun 7.1.26 refined: max abs error ~1.2e-7.
inline float verf(float x) {
  const float ax = std::fabs(x);
  const float t = 1.0f / (1.0f + 0.5f * ax);
  // erfc(x) = t * exp(-x^2 - 1.26551223 + t*(1.00002368 + ...)) (Numerical Recipes erfcc)
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const float erfc = t * vexp(-ax * ax + p);
  const float r = 1.0f - erfc;
  const float result = x < 0.0f ? -r : r;
  return x != x ? x : result;
}
