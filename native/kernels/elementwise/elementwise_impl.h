// The elementwise kernels, written once. Each ISA translation unit includes this file inside
// an anonymous namespace, after defining KEEL_ELEMENTWISE_TABLE as the name of its table
// getter, so the same loops compile to scalar, AVX2 or AVX-512 code by the unit's flags alone.
// Loops are plain C++ the auto-vectorizer handles: the op is chosen once per call (a template
// parameter), never per element, and the math is branch-free (vmath.h).
//
// Expects: <cmath>, <cstdint>, "elementwise.h" and "vmath.h" included before.

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;
constexpr float kTwoOverSqrtPi = 1.1283791670955126f;

inline float nanMax(float a, float b) { return a != a ? a : (b != b ? b : (a > b ? a : b)); }
inline float nanMin(float a, float b) { return a != a ? a : (b != b ? b : (a < b ? a : b)); }
inline float signOf(float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : (x != x ? x : 0.0f)); }

template <UnaryOp OP>
inline float unaryValue(float x, float p0, float p1) {
  if constexpr (OP == UnaryOp::kNeg) return -x;
  if constexpr (OP == UnaryOp::kAbs) return std::fabs(x);
  if constexpr (OP == UnaryOp::kExp) return vexp(x);
  if constexpr (OP == UnaryOp::kLog) return vlog(x);
  if constexpr (OP == UnaryOp::kSqrt) return std::sqrt(x);
  if constexpr (OP == UnaryOp::kRsqrt) return 1.0f / std::sqrt(x);
  if constexpr (OP == UnaryOp::kSigmoid) return vsigmoid(x);
  if constexpr (OP == UnaryOp::kTanh) return vtanh(x);
  if constexpr (OP == UnaryOp::kRelu) return x < 0.0f ? 0.0f : x;  // NaN passes through
  if constexpr (OP == UnaryOp::kSquare) return x * x;
  if constexpr (OP == UnaryOp::kReciprocal) return 1.0f / x;
  if constexpr (OP == UnaryOp::kSign) return signOf(x);
  if constexpr (OP == UnaryOp::kFloor) return std::floor(x);
  if constexpr (OP == UnaryOp::kCeil) return std::ceil(x);
  if constexpr (OP == UnaryOp::kRound) return std::nearbyint(x);  // half to even, as torch.round
  if constexpr (OP == UnaryOp::kTrunc) return std::trunc(x);
  if constexpr (OP == UnaryOp::kSin) return std::sin(x);
  if constexpr (OP == UnaryOp::kCos) return std::cos(x);
  if constexpr (OP == UnaryOp::kLog1p) return vlog1p(x);
  if constexpr (OP == UnaryOp::kExpm1) return vexpm1(x);
  if constexpr (OP == UnaryOp::kErf) return verf(x);
  if constexpr (OP == UnaryOp::kGelu) return 0.5f * x * (1.0f + verf(x * kInvSqrt2));
  if constexpr (OP == UnaryOp::kGeluTanh) {
    return 0.5f * x * (1.0f + vtanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
  }
  if constexpr (OP == UnaryOp::kSilu) return x * vsigmoid(x);
  if constexpr (OP == UnaryOp::kSoftplus) {
    const float bx = p0 * x;
    return bx > p1 ? x : vlog1p(vexp(bx)) / p0;
  }
  if constexpr (OP == UnaryOp::kAffine) return p0 * x + p1;
  if constexpr (OP == UnaryOp::kPowScalar) return std::pow(x, p0);
  if constexpr (OP == UnaryOp::kRpowScalar) return std::pow(p0, x);
  if constexpr (OP == UnaryOp::kClamp) {
    const float lo = x < p0 ? p0 : x;
    const float r = lo > p1 ? p1 : lo;
    return x != x ? x : r;
  }
  if constexpr (OP == UnaryOp::kLeakyRelu) return x >= 0.0f ? x : p0 * x;
  if constexpr (OP == UnaryOp::kElu) return x > 0.0f ? x : p0 * vexpm1(x);
  if constexpr (OP == UnaryOp::kHardtanh) {
    const float lo = x < p0 ? p0 : x;
    return lo > p1 ? p1 : lo;
  }
  return x;
}

// d op(x) / dx times g, from x and/or y = op(x).
template <UnaryOp OP>
inline float unaryGrad(float g, float x, float y, float p0, float p1) {
  if constexpr (OP == UnaryOp::kNeg) return -g;
  if constexpr (OP == UnaryOp::kAbs) return g * signOf(x);
  if constexpr (OP == UnaryOp::kExp) return g * y;
  if constexpr (OP == UnaryOp::kLog) return g / x;
  if constexpr (OP == UnaryOp::kSqrt) return g / (2.0f * y);
  if constexpr (OP == UnaryOp::kRsqrt) return -0.5f * g * y * y * y;
  if constexpr (OP == UnaryOp::kSigmoid) return g * y * (1.0f - y);
  if constexpr (OP == UnaryOp::kTanh) return g * (1.0f - y * y);
  if constexpr (OP == UnaryOp::kRelu) return y > 0.0f ? g : 0.0f;
  if constexpr (OP == UnaryOp::kSquare) return 2.0f * x * g;
  if constexpr (OP == UnaryOp::kReciprocal) return -g * y * y;
  if constexpr (OP == UnaryOp::kSign || OP == UnaryOp::kFloor || OP == UnaryOp::kCeil ||
                OP == UnaryOp::kRound || OP == UnaryOp::kTrunc) {
    return 0.0f * g;
  }
  if constexpr (OP == UnaryOp::kSin) return g * std::cos(x);
  if constexpr (OP == UnaryOp::kCos) return -g * std::sin(x);
  if constexpr (OP == UnaryOp::kLog1p) return g / (1.0f + x);
  if constexpr (OP == UnaryOp::kExpm1) return g * (y + 1.0f);
  if constexpr (OP == UnaryOp::kErf) return g * kTwoOverSqrtPi * vexp(-x * x);
  if constexpr (OP == UnaryOp::kGelu) {
    const float cdf = 0.5f * (1.0f + verf(x * kInvSqrt2));
    const float pdf = kInvSqrt2Pi * vexp(-0.5f * x * x);
    return g * (cdf + x * pdf);
  }
  if constexpr (OP == UnaryOp::kGeluTanh) {
    const float x2 = x * x;
    const float t = vtanh(kSqrt2OverPi * (x + 0.044715f * x2 * x));
    const float du = kSqrt2OverPi * (1.0f + 3.0f * 0.044715f * x2);
    return g * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du);
  }
  if constexpr (OP == UnaryOp::kSilu) {
    const float s = vsigmoid(x);
    return g * s * (1.0f + x * (1.0f - s));
  }
  if constexpr (OP == UnaryOp::kSoftplus) return p0 * x > p1 ? g : g * vsigmoid(p0 * x);
  if constexpr (OP == UnaryOp::kAffine) return g * p0;
  if constexpr (OP == UnaryOp::kPowScalar) return p0 == 0.0f ? 0.0f * g : g * p0 * std::pow(x, p0 - 1.0f);
  if constexpr (OP == UnaryOp::kRpowScalar) return g * y * std::log(p0);
  if constexpr (OP == UnaryOp::kClamp) return (x >= p0 && x <= p1) ? g : 0.0f;
  if constexpr (OP == UnaryOp::kLeakyRelu) return x > 0.0f ? g : g * p0;
  if constexpr (OP == UnaryOp::kElu) return x > 0.0f ? g : g * (y + p0);
  if constexpr (OP == UnaryOp::kHardtanh) return (x > p0 && x < p1) ? g : 0.0f;
  (void)p1;
  return g;
}

template <UnaryOp OP>
void unaryLoop(float* out, const float* x, std::size_t n, float p0, float p1) {
  for (std::size_t i = 0; i < n; i++) out[i] = unaryValue<OP>(x[i], p0, p1);
}

template <UnaryOp OP>
void unaryBackwardLoop(float* gi, const float* go, const float* x, const float* y, std::size_t n,
                       float p0, float p1) {
  if (y == nullptr) y = x;  // ops that ignore y
  for (std::size_t i = 0; i < n; i++) gi[i] = unaryGrad<OP>(go[i], x[i], y[i], p0, p1);
}

// One entry per UnaryOp, in enum order.
template <int... I>
constexpr auto makeUnaryTable(std::integer_sequence<int, I...>) {
  using Fn = void (*)(float*, const float*, std::size_t, float, float);
  return std::array<Fn, sizeof...(I)>{unaryLoop<static_cast<UnaryOp>(I)>...};
}
template <int... I>
constexpr auto makeUnaryBackwardTable(std::integer_sequence<int, I...>) {
  using Fn = void (*)(float*, const float*, const float*, const float*, std::size_t, float, float);
  return std::array<Fn, sizeof...(I)>{unaryBackwardLoop<static_cast<UnaryOp>(I)>...};
}
constexpr auto kUnaryTable = makeUnaryTable(std::make_integer_sequence<int, static_cast<int>(UnaryOp::kCount)>());
constexpr auto kUnaryBackwardTable =
    makeUnaryBackwardTable(std::make_integer_sequence<int, static_cast<int>(UnaryOp::kCount)>());

void unaryDispatch(UnaryOp op, float* out, const float* x, std::size_t n, float p0, float p1) {
  kUnaryTable[static_cast<int>(op)](out, x, n, p0, p1);
}
void unaryBackwardDispatch(UnaryOp op, float* gi, const float* go, const float* x, const float* y,
                           std::size_t n, float p0, float p1) {
  kUnaryBackwardTable[static_cast<int>(op)](gi, go, x, y, n, p0, p1);
}

template <BinaryOp OP, typename T>
inline auto binaryValue(T a, T b) {
  if constexpr (OP == BinaryOp::kAdd) return a + b;
  if constexpr (OP == BinaryOp::kSub) return a - b;
  if constexpr (OP == BinaryOp::kMul) return a * b;
  if constexpr (OP == BinaryOp::kDiv) return a / b;
  if constexpr (OP == BinaryOp::kMaximum) {
    if constexpr (std::is_same_v<T, float>) return nanMax(a, b); else return a > b ? a : b;
  }
  if constexpr (OP == BinaryOp::kMinimum) {
    if constexpr (std::is_same_v<T, float>) return nanMin(a, b); else return a < b ? a : b;
  }
  if constexpr (OP == BinaryOp::kPow) return static_cast<T>(std::pow(a, b));
  if constexpr (OP == BinaryOp::kEq) return static_cast<int32_t>(a == b);
  if constexpr (OP == BinaryOp::kNe) return static_cast<int32_t>(a != b);
  if constexpr (OP == BinaryOp::kLt) return static_cast<int32_t>(a < b);
  if constexpr (OP == BinaryOp::kLe) return static_cast<int32_t>(a <= b);
  if constexpr (OP == BinaryOp::kGt) return static_cast<int32_t>(a > b);
  if constexpr (OP == BinaryOp::kGe) return static_cast<int32_t>(a >= b);
}

// Inner loop of a broadcast op; the common stride pairs get their own loops so the compiler
// sees unit-stride (or invariant) accesses and vectorizes them.
template <BinaryOp OP, typename T, typename Out>
void binaryInner(Out* out, const T* a, std::ptrdiff_t sa, const T* b, std::ptrdiff_t sb,
                 std::size_t n) {
  if (sa == 1 && sb == 1) {
    for (std::size_t i = 0; i < n; i++) out[i] = binaryValue<OP, T>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = *b;
    for (std::size_t i = 0; i < n; i++) out[i] = binaryValue<OP, T>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const T av = *a;
    for (std::size_t i = 0; i < n; i++) out[i] = binaryValue<OP, T>(av, b[i]);
  } else {
    for (std::size_t i = 0; i < n; i++) {
      out[i] = binaryValue<OP, T>(a[static_cast<std::ptrdiff_t>(i) * sa], b[static_cast<std::ptrdiff_t>(i) * sb]);
    }
  }
}

template <typename T, typename Out, bool kCompare>
void binaryDispatch(BinaryOp op, Out* out, const T* a, std::ptrdiff_t sa, const T* b,
                    std::ptrdiff_t sb, std::size_t n) {
  if constexpr (kCompare) {
    switch (op) {
      case BinaryOp::kEq: return binaryInner<BinaryOp::kEq, T>(out, a, sa, b, sb, n);
      case BinaryOp::kNe: return binaryInner<BinaryOp::kNe, T>(out, a, sa, b, sb, n);
      case BinaryOp::kLt: return binaryInner<BinaryOp::kLt, T>(out, a, sa, b, sb, n);
      case BinaryOp::kLe: return binaryInner<BinaryOp::kLe, T>(out, a, sa, b, sb, n);
      case BinaryOp::kGt: return binaryInner<BinaryOp::kGt, T>(out, a, sa, b, sb, n);
      case BinaryOp::kGe: return binaryInner<BinaryOp::kGe, T>(out, a, sa, b, sb, n);
      default: return;
    }
  } else {
    switch (op) {
      case BinaryOp::kAdd: return binaryInner<BinaryOp::kAdd, T>(out, a, sa, b, sb, n);
      case BinaryOp::kSub: return binaryInner<BinaryOp::kSub, T>(out, a, sa, b, sb, n);
      case BinaryOp::kMul: return binaryInner<BinaryOp::kMul, T>(out, a, sa, b, sb, n);
      case BinaryOp::kDiv:
        if constexpr (std::is_same_v<T, float>) return binaryInner<BinaryOp::kDiv, T>(out, a, sa, b, sb, n);
        return;  // int32 division is done in float by the caller
      case BinaryOp::kMaximum: return binaryInner<BinaryOp::kMaximum, T>(out, a, sa, b, sb, n);
      case BinaryOp::kMinimum: return binaryInner<BinaryOp::kMinimum, T>(out, a, sa, b, sb, n);
      case BinaryOp::kPow:
        if constexpr (std::is_same_v<T, float>) return binaryInner<BinaryOp::kPow, T>(out, a, sa, b, sb, n);
        return;
      default: return;
    }
  }
}

void binaryF32Inner(BinaryOp op, float* out, const float* a, std::ptrdiff_t sa, const float* b,
                    std::ptrdiff_t sb, std::size_t n) {
  binaryDispatch<float, float, false>(op, out, a, sa, b, sb, n);
}
void binaryI32Inner(BinaryOp op, int32_t* out, const int32_t* a, std::ptrdiff_t sa,
                    const int32_t* b, std::ptrdiff_t sb, std::size_t n) {
  binaryDispatch<int32_t, int32_t, false>(op, out, a, sa, b, sb, n);
}
void compareF32Inner(BinaryOp op, int32_t* out, const float* a, std::ptrdiff_t sa, const float* b,
                     std::ptrdiff_t sb, std::size_t n) {
  binaryDispatch<float, int32_t, true>(op, out, a, sa, b, sb, n);
}
void compareI32Inner(BinaryOp op, int32_t* out, const int32_t* a, std::ptrdiff_t sa,
                     const int32_t* b, std::ptrdiff_t sb, std::size_t n) {
  binaryDispatch<int32_t, int32_t, true>(op, out, a, sa, b, sb, n);
}

const ElementwiseKernels kElementwiseKernels{unaryDispatch,  unaryBackwardDispatch,
                                             binaryF32Inner, binaryI32Inner,
                                             compareF32Inner, compareI32Inner};
