// Tensor ops on storage handles. lib/ validates shapes and dtypes and writes shapes/strides
// into the instance's parameter slots; this layer re-checks what memory safety depends on
// (live handles, integer sizes, every element touched inside its block) and calls the kernel.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "args.h"
#include "binding.h"
#include "instance.h"
#include "operands.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"
#include "kernels/index/index.h"
#include "kernels/random/philox.h"
#include "kernels/reduce/reduce.h"

namespace keel {
namespace binding {
namespace {

// Reads [rank, shape..., strides of operand 0..., strides of operand 1..., ...] from the
// parameter slots. Strides are non-negative element counts.
StridedShape readShape(Napi::Env env, const char* fn, int operands) {
  const double* p = instance(env).params;
  StridedShape s;
  const double rank = p[0];
  if (!(rank >= 0 && rank <= kMaxRank) || rank != std::floor(rank)) {
    throwRangeError(env, std::string(fn) + ": tensors of more than 8 dimensions are not supported");
  }
  s.rank = static_cast<int>(rank);
  for (int d = 0; d < s.rank; d++) {
    const double v = p[1 + d];
    if (!(v >= 0 && v <= 2147483647.0) || v != std::floor(v)) throwRangeError(env, std::string(fn) + ": bad shape");
    s.shape[d] = static_cast<std::size_t>(v);
  }
  for (int k = 0; k < operands; k++) {
    for (int d = 0; d < s.rank; d++) {
      const double v = p[1 + s.rank * (k + 1) + d];
      if (!(v >= 0 && v <= kMaxElements) || v != std::floor(v)) throwRangeError(env, std::string(fn) + ": bad strides");
      s.strides[k][d] = static_cast<std::ptrdiff_t>(v);
    }
  }
  return s;
}

double elementCount(const StridedShape& s) {
  double n = 1;
  for (int d = 0; d < s.rank; d++) n *= static_cast<double>(s.shape[d]);
  return n;
}

// One past the furthest element operand k reaches (0 if the shape is empty).
double reach(const StridedShape& s, int k) {
  if (elementCount(s) == 0) return 0;
  double last = 0;
  for (int d = 0; d < s.rank; d++) last += static_cast<double>(s.shape[d] - 1) * static_cast<double>(s.strides[k][d]);
  return last + 1;
}


[[noreturn]] void throwIndexError(Napi::Env env, const char* fn, const IndexError& e, std::size_t r) {
  throw Napi::RangeError::New(env, std::string(fn) + ": index " + std::to_string(e.value) + " at position " +
                                       std::to_string(e.position) + " is out of range for a dimension of size " +
                                       std::to_string(r));
}

}  // namespace

// unary(op, out, outOff, x, xOff, n, p0, p1)
Napi::Value unary(const Napi::CallbackInfo& info) {
  const char* fn = "unary";
  Napi::Env env = info.Env();
  requireArgCount(info, 8, fn);
  const double op = intArg(info, 0, fn, "op");
  if (op < 0 || op >= static_cast<double>(UnaryOp::kCount)) throwRangeError(env, "unary: unknown op");
  const Span out = span(info, 1, fn, "out"), x = span(info, 3, fn, "input");
  const std::size_t n = sizeArg(info, 5, fn, "n");
  requireElements(env, fn, "out", out, n);
  requireElements(env, fn, "input", x, n);
  unaryF32(static_cast<UnaryOp>(op), as<float>(out), as<float>(x), n, floatArg(info, 6, fn, "p0"), floatArg(info, 7, fn, "p1"));
  return env.Undefined();
}

// unaryBackward(op, gradIn, off, gradOut, off, x, off, y (0 = none), off, n, p0, p1)
Napi::Value unaryBackward(const Napi::CallbackInfo& info) {
  const char* fn = "unaryBackward";
  Napi::Env env = info.Env();
  requireArgCount(info, 12, fn);
  const double op = intArg(info, 0, fn, "op");
  if (op < 0 || op >= static_cast<double>(UnaryOp::kCount)) throwRangeError(env, "unaryBackward: unknown op");
  const Span gi = span(info, 1, fn, "gradInput"), go = span(info, 3, fn, "gradOutput"), x = span(info, 5, fn, "input");
  const std::size_t n = sizeArg(info, 9, fn, "n");
  requireElements(env, fn, "gradInput", gi, n);
  requireElements(env, fn, "gradOutput", go, n);
  requireElements(env, fn, "input", x, n);
  const float* y = nullptr;
  if (unaryBackwardNeedsOutput(static_cast<UnaryOp>(op))) {
    const Span ys = span(info, 7, fn, "output");
    requireElements(env, fn, "output", ys, n);
    y = as<float>(ys);
  }
  unaryBackwardF32(static_cast<UnaryOp>(op), as<float>(gi), as<float>(go), as<float>(x), y, n,
                   floatArg(info, 10, fn, "p0"), floatArg(info, 11, fn, "p1"));
  return env.Undefined();
}

// binary(op, dtype (0 f32, 1 i32), out, off, a, off, b, off); params: rank, shape, a strides,
// b strides. The output is contiguous; comparisons write int32.
Napi::Value binary(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  Napi::Env env = info.Env();
  requireArgCount(info, 8, fn);
  const double op = intArg(info, 0, fn, "op");
  if (op < 0 || op >= static_cast<double>(BinaryOp::kCount)) throwRangeError(env, "binary: unknown op");
  const double dtype = intArg(info, 1, fn, "dtype");
  const Span out = span(info, 2, fn, "out"), a = span(info, 4, fn, "a"), b = span(info, 6, fn, "b");
  const StridedShape s = readShape(env, fn, 2);
  requireElements(env, fn, "out", out, elementCount(s));
  requireElements(env, fn, "a", a, reach(s, 0));
  requireElements(env, fn, "b", b, reach(s, 1));
  const BinaryOp bop = static_cast<BinaryOp>(op);
  if (dtype == 0) {
    if (isComparison(bop)) compareF32(bop, as<int32_t>(out), as<float>(a), as<float>(b), s);
    else binaryF32(bop, as<float>(out), as<float>(a), as<float>(b), s);
  } else {
    if (bop == BinaryOp::kDiv || bop == BinaryOp::kPow) throwRangeError(env, "binary: int32 div/pow are computed in float32");
    if (isComparison(bop)) compareI32(bop, as<int32_t>(out), as<int32_t>(a), as<int32_t>(b), s);
    else binaryI32(bop, as<int32_t>(out), as<int32_t>(a), as<int32_t>(b), s);
  }
  return env.Undefined();
}

// where(out, off, cond, off, a, off, b, off); params: rank, shape, cond/a/b strides.
Napi::Value where(const Napi::CallbackInfo& info) {
  const char* fn = "where";
  Napi::Env env = info.Env();
  requireArgCount(info, 8, fn);
  const Span out = span(info, 0, fn, "out"), cond = span(info, 2, fn, "condition"), a = span(info, 4, fn, "input"),
             b = span(info, 6, fn, "other");
  const StridedShape s = readShape(env, fn, 3);
  requireElements(env, fn, "out", out, elementCount(s));
  requireElements(env, fn, "condition", cond, reach(s, 0));
  requireElements(env, fn, "input", a, reach(s, 1));
  requireElements(env, fn, "other", b, reach(s, 2));
  where32(as<uint32_t>(out), as<int32_t>(cond), as<uint32_t>(a), as<uint32_t>(b), s);
  return env.Undefined();
}

// copy(out, off, in, off); params: rank, shape, out strides, in strides.
Napi::Value copy(const Napi::CallbackInfo& info) {
  const char* fn = "copy";
  Napi::Env env = info.Env();
  requireArgCount(info, 4, fn);
  const Span out = span(info, 0, fn, "out"), in = span(info, 2, fn, "input");
  const StridedShape s = readShape(env, fn, 2);
  requireElements(env, fn, "out", out, reach(s, 0));
  requireElements(env, fn, "input", in, reach(s, 1));
  copyStrided32(as<uint32_t>(out), as<uint32_t>(in), s);
  return env.Undefined();
}

// fill(out, off, n, value, dtype)
Napi::Value fill(const Napi::CallbackInfo& info) {
  const char* fn = "fill";
  Napi::Env env = info.Env();
  requireArgCount(info, 5, fn);
  const Span out = span(info, 0, fn, "out");
  const std::size_t n = sizeArg(info, 2, fn, "n");
  requireElements(env, fn, "out", out, n);
  const double value = numArg(info, 3, fn, "value");
  uint32_t bits;
  if (intArg(info, 4, fn, "dtype") == 0) {
    const float f = static_cast<float>(value);
    std::memcpy(&bits, &f, 4);
  } else {
    const int32_t v = static_cast<int32_t>(value);
    std::memcpy(&bits, &v, 4);
  }
  fill32(as<uint32_t>(out), bits, n);
  return env.Undefined();
}

// arange(out, off, n, start, step, dtype): out[i] = start + i * step
Napi::Value arange(const Napi::CallbackInfo& info) {
  const char* fn = "arange";
  Napi::Env env = info.Env();
  requireArgCount(info, 6, fn);
  const Span out = span(info, 0, fn, "out");
  const std::size_t n = sizeArg(info, 2, fn, "n");
  requireElements(env, fn, "out", out, n);
  const double start = numArg(info, 3, fn, "start"), step = numArg(info, 4, fn, "step");
  if (intArg(info, 5, fn, "dtype") == 0) {
    float* o = as<float>(out);
    for (std::size_t i = 0; i < n; i++) o[i] = static_cast<float>(start + static_cast<double>(i) * step);
  } else {
    int32_t* o = as<int32_t>(out);
    for (std::size_t i = 0; i < n; i++) o[i] = static_cast<int32_t>(start + static_cast<double>(i) * step);
  }
  return env.Undefined();
}

// cast(toInt, out, off, in, off, n): float32 -> int32 when toInt, else int32 -> float32.
Napi::Value cast(const Napi::CallbackInfo& info) {
  const char* fn = "cast";
  Napi::Env env = info.Env();
  requireArgCount(info, 6, fn);
  const bool to_int = info[0].ToBoolean().Value();
  const Span out = span(info, 1, fn, "out"), in = span(info, 3, fn, "input");
  const std::size_t n = sizeArg(info, 5, fn, "n");
  requireElements(env, fn, "out", out, n);
  requireElements(env, fn, "input", in, n);
  if (to_int) castF32ToI32(as<int32_t>(out), as<float>(in), n);
  else castI32ToF32(as<float>(out), as<int32_t>(in), n);
  return env.Undefined();
}

// reduce(op, dtype, out, off, in, off, outer, r, inner)
Napi::Value reduce(const Napi::CallbackInfo& info) {
  const char* fn = "reduce";
  Napi::Env env = info.Env();
  requireArgCount(info, 9, fn);
  const double op = intArg(info, 0, fn, "op");
  if (op < 0 || op >= static_cast<double>(ReduceOp::kCount)) throwRangeError(env, "reduce: unknown op");
  const double dtype = intArg(info, 1, fn, "dtype");
  const Span out = span(info, 2, fn, "out"), in = span(info, 4, fn, "input");
  const std::size_t outer = sizeArg(info, 6, fn, "outer"), r = sizeArg(info, 7, fn, "r"), inner = sizeArg(info, 8, fn, "inner");
  requireElements(env, fn, "out", out, static_cast<double>(outer) * inner);
  requireElements(env, fn, "input", in, static_cast<double>(outer) * r * inner);
  if (dtype == 0) reduceF32(static_cast<ReduceOp>(op), as<float>(out), as<float>(in), outer, r, inner);
  else reduceI32(static_cast<ReduceOp>(op), as<int32_t>(out), as<int32_t>(in), outer, r, inner);
  return env.Undefined();
}

// argReduce(isMax, dtype, values (0 = none), off, indices (0 = none), off, in, off, outer, r, inner)
Napi::Value argReduce(const Napi::CallbackInfo& info) {
  const char* fn = "argReduce";
  Napi::Env env = info.Env();
  requireArgCount(info, 11, fn);
  const bool is_max = info[0].ToBoolean().Value();
  const double dtype = intArg(info, 1, fn, "dtype");
  const std::size_t outer = sizeArg(info, 8, fn, "outer"), r = sizeArg(info, 9, fn, "r"), inner = sizeArg(info, 10, fn, "inner");
  if (r == 0) throwRangeError(env, "argReduce: cannot reduce over an empty dimension");
  const double count = static_cast<double>(outer) * inner;
  void* values = nullptr;
  int32_t* indices = nullptr;
  if (intArg(info, 2, fn, "values") != 0) {
    const Span v = span(info, 2, fn, "values");
    requireElements(env, fn, "values", v, count);
    values = v.data;
  }
  if (intArg(info, 4, fn, "indices") != 0) {
    const Span ix = span(info, 4, fn, "indices");
    requireElements(env, fn, "indices", ix, count);
    indices = as<int32_t>(ix);
  }
  const Span in = span(info, 6, fn, "input");
  requireElements(env, fn, "input", in, count * r);
  if (dtype == 0) argReduceF32(is_max, static_cast<float*>(values), indices, as<float>(in), outer, r, inner);
  else argReduceI32(is_max, static_cast<int32_t*>(values), indices, as<int32_t>(in), outer, r, inner);
  return env.Undefined();
}

// softmax(log, out, off, in, off, outer, r, inner)
Napi::Value softmax(const Napi::CallbackInfo& info) {
  const char* fn = "softmax";
  Napi::Env env = info.Env();
  requireArgCount(info, 8, fn);
  const bool log = info[0].ToBoolean().Value();
  const Span out = span(info, 1, fn, "out"), in = span(info, 3, fn, "input");
  const std::size_t outer = sizeArg(info, 5, fn, "outer"), r = sizeArg(info, 6, fn, "r"), inner = sizeArg(info, 7, fn, "inner");
  const double n = static_cast<double>(outer) * r * inner;
  requireElements(env, fn, "out", out, n);
  requireElements(env, fn, "input", in, n);
  softmaxF32(log, as<float>(out), as<float>(in), outer, r, inner);
  return env.Undefined();
}

// softmaxBackward(log, gradIn, off, gradOut, off, y, off, outer, r, inner)
Napi::Value softmaxBackward(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxBackward";
  Napi::Env env = info.Env();
  requireArgCount(info, 10, fn);
  const bool log = info[0].ToBoolean().Value();
  const Span gi = span(info, 1, fn, "gradInput"), go = span(info, 3, fn, "gradOutput"), y = span(info, 5, fn, "output");
  const std::size_t outer = sizeArg(info, 7, fn, "outer"), r = sizeArg(info, 8, fn, "r"), inner = sizeArg(info, 9, fn, "inner");
  const double n = static_cast<double>(outer) * r * inner;
  requireElements(env, fn, "gradInput", gi, n);
  requireElements(env, fn, "gradOutput", go, n);
  requireElements(env, fn, "output", y, n);
  softmaxBackwardF32(log, as<float>(gi), as<float>(go), as<float>(y), outer, r, inner);
  return env.Undefined();
}

// indexOp(kind, out, off, src, off, index, off, outer, r, k, inner)
//   kind 0 gather:      out (outer,k,inner) <- src (outer,r,inner) by index (outer,k,inner)
//   kind 1 scatterAdd:  out (outer,r,inner) += src (outer,k,inner) at index (outer,k,inner)
//   kind 2 indexSelect: out (outer,k,inner) <- src (outer,r,inner) rows index (k)
//   kind 3 indexAdd:    out (outer,r,inner) += src (outer,k,inner) rows index (k)
Napi::Value indexOp(const Napi::CallbackInfo& info) {
  const char* fn = "indexOp";
  Napi::Env env = info.Env();
  requireArgCount(info, 11, fn);
  const double kind = intArg(info, 0, fn, "kind");
  const Span out = span(info, 1, fn, "out"), src = span(info, 3, fn, "source"), index = span(info, 5, fn, "index");
  const std::size_t outer = sizeArg(info, 7, fn, "outer"), r = sizeArg(info, 8, fn, "r"), k = sizeArg(info, 9, fn, "k"),
                    inner = sizeArg(info, 10, fn, "inner");
  const double small = static_cast<double>(outer) * k * inner, big = static_cast<double>(outer) * r * inner;
  const bool per_element = kind == 0 || kind == 1;
  requireElements(env, fn, "index", index, per_element ? small : static_cast<double>(k));
  const bool gathers = kind == 0 || kind == 2;
  requireElements(env, fn, "out", out, gathers ? small : big);
  requireElements(env, fn, "source", src, gathers ? big : small);
  IndexError err;
  if (kind == 0) err = gather32(as<uint32_t>(out), as<uint32_t>(src), as<int32_t>(index), outer, r, k, inner);
  else if (kind == 1) err = scatterAddF32(as<float>(out), as<float>(src), as<int32_t>(index), outer, r, k, inner);
  else if (kind == 2) err = indexSelect32(as<uint32_t>(out), as<uint32_t>(src), as<int32_t>(index), outer, r, k, inner);
  else if (kind == 3) err = indexAddF32(as<float>(out), as<float>(src), as<int32_t>(index), outer, r, k, inner);
  else throwRangeError(env, "indexOp: unknown kind");
  if (!err.ok) throwIndexError(env, fn, err, r);
  return env.Undefined();
}

// random(kind, out, off, n, seed, offset, p0, p1): kind 0 uniform [p0,p1), 1 normal (p0 mean,
// p1 std), 2 int32 in [p0, p1), 3 dropout mask (keep p0, scale p1). seed < 2^53.
Napi::Value random(const Napi::CallbackInfo& info) {
  const char* fn = "random";
  Napi::Env env = info.Env();
  requireArgCount(info, 8, fn);
  const double kind = intArg(info, 0, fn, "kind");
  const Span out = span(info, 1, fn, "out");
  const std::size_t n = sizeArg(info, 3, fn, "n");
  requireElements(env, fn, "out", out, n);
  const uint64_t seed = static_cast<uint64_t>(sizeArg(info, 4, fn, "seed"));
  const uint64_t offset = static_cast<uint64_t>(sizeArg(info, 5, fn, "offset"));
  const double p0 = numArg(info, 6, fn, "p0"), p1 = numArg(info, 7, fn, "p1");
  if (kind == 0) randomUniformF32(as<float>(out), n, seed, offset, static_cast<float>(p0), static_cast<float>(p1));
  else if (kind == 1) randomNormalF32(as<float>(out), n, seed, offset, static_cast<float>(p0), static_cast<float>(p1));
  else if (kind == 2) {
    if (!(p1 > p0) || p0 < -2147483648.0 || p1 > 2147483648.0) throwRangeError(env, "random: expected low < high within int32");
    randomIntI32(as<int32_t>(out), n, seed, offset, static_cast<int64_t>(p0), static_cast<int64_t>(p1));
  } else if (kind == 3) randomBernoulliMaskF32(as<float>(out), n, seed, offset, static_cast<float>(p0), static_cast<float>(p1));
  else throwRangeError(env, "random: unknown kind");
  return env.Undefined();
}

// matmul(transA, transB, m, n, k, a, off, lda, strideA, b, off, ldb, strideB, c, off, ldc,
//        strideC, batch, alpha, beta): sgemmStridedBatched on storage.
Napi::Value matmul(const Napi::CallbackInfo& info) {
  const char* fn = "matmul";
  Napi::Env env = info.Env();
  requireArgCount(info, 20, fn);
  SgemmArgs g;
  g.trans_a = info[0].ToBoolean().Value();
  g.trans_b = info[1].ToBoolean().Value();
  g.m = dimArg(info, 2, fn, "m");
  g.n = dimArg(info, 3, fn, "n");
  g.k = dimArg(info, 4, fn, "k");
  const Span a = span(info, 5, fn, "a");
  g.lda = dimArg(info, 7, fn, "lda");
  const std::size_t stride_a = sizeArg(info, 8, fn, "strideA");
  const Span b = span(info, 9, fn, "b");
  g.ldb = dimArg(info, 11, fn, "ldb");
  const std::size_t stride_b = sizeArg(info, 12, fn, "strideB");
  const Span c = span(info, 13, fn, "c");
  g.ldc = dimArg(info, 15, fn, "ldc");
  const std::size_t stride_c = sizeArg(info, 16, fn, "strideC");
  const std::size_t batch = sizeArg(info, 17, fn, "batch");
  g.alpha = floatArg(info, 18, fn, "alpha");
  g.beta = floatArg(info, 19, fn, "beta");
  auto extent = [](std::size_t rows, std::size_t cols, std::size_t ld) {
    return rows == 0 || cols == 0 ? 0.0 : static_cast<double>(rows - 1) * ld + cols;
  };
  const double ea = extent(g.trans_a ? g.k : g.m, g.trans_a ? g.m : g.k, g.lda);
  const double eb = extent(g.trans_b ? g.n : g.k, g.trans_b ? g.k : g.n, g.ldb);
  const double ec = extent(g.m, g.n, g.ldc);
  if (g.lda < (g.trans_a ? g.m : g.k) || g.ldb < (g.trans_b ? g.k : g.n) || g.ldc < g.n) {
    throwRangeError(env, "matmul: leading dimension smaller than a row");
  }
  if (batch > 1 && stride_c < ec) throwRangeError(env, "matmul: C matrices overlap");
  const double reps = batch > 0 ? static_cast<double>(batch - 1) : 0;
  if (batch > 0 && g.m > 0 && g.n > 0 && g.k > 0) {
    requireElements(env, fn, "a", a, reps * stride_a + ea);
    requireElements(env, fn, "b", b, reps * stride_b + eb);
  }
  if (batch > 0) requireElements(env, fn, "c", c, reps * stride_c + ec);
  g.a = as<float>(a);
  g.b = as<float>(b);
  g.c = as<float>(c);
  if (!sgemmStridedBatched(g, stride_a, stride_b, stride_c, batch, SIZE_MAX)) {
    throw Napi::Error::New(env, "matmul: out of memory for packing buffers");
  }
  return env.Undefined();
}

}  // namespace binding
}  // namespace keel
