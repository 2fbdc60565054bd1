// Layer kernels on storage handles: convolution, pooling, batch normalization. Shapes come in
// the instance's parameter slots; every one is re-checked here (sizes consistent, every
// element an op touches inside its storage) before a kernel runs.
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "args.h"
#include "binding.h"
#include "instance.h"
#include "kernels/conv/conv.h"
#include "kernels/norm/batchnorm.h"
#include "kernels/pool/pool.h"
#include "operands.h"

namespace keel {
namespace binding {
namespace {

// Parameter slot k as a size: a non-negative integer below 2^31.
std::size_t slot(Napi::Env env, const char* fn, std::size_t k) {
  const double v = instance(env).params[k];
  if (!(v >= 0 && v <= 2147483647.0) || v != std::floor(v)) {
    throwRangeError(env, std::string(fn) + ": bad shape parameter " + std::to_string(k));
  }
  return static_cast<std::size_t>(v);
}

Conv2dShape readConvShape(Napi::Env env, const char* fn) {
  Conv2dShape s;
  std::size_t* fields[] = {&s.n, &s.c, &s.h, &s.w, &s.o, &s.kh, &s.kw, &s.sh, &s.sw, &s.ph, &s.pw, &s.dh, &s.dw, &s.groups, &s.ho, &s.wo};
  for (std::size_t k = 0; k < 16; k++) *fields[k] = slot(env, fn, k);
  if (s.groups == 0 || s.c % s.groups != 0 || s.o % s.groups != 0 || s.kh == 0 || s.kw == 0 || s.sh == 0 ||
      s.sw == 0 || s.dh == 0 || s.dw == 0) {
    throwRangeError(env, std::string(fn) + ": inconsistent convolution parameters");
  }
  if (convOutputSize(s.h, s.kh, s.sh, s.ph, s.dh) != s.ho || convOutputSize(s.w, s.kw, s.sw, s.pw, s.dw) != s.wo) {
    throwRangeError(env, std::string(fn) + ": output size does not match the input, kernel, stride, padding and dilation");
  }
  return s;
}

double count_dims(std::initializer_list<std::size_t> dims) {
  double n = 1;
  for (std::size_t d : dims) n *= static_cast<double>(d);
  return n;
}

}  // namespace

// conv2d(kind, a, off, b, off, c, off, d, off) with the shape in params[0..16):
//   kind 0 forward:         out, x, weight, bias (0 = none)
//   kind 1 backward input:  gradX, gradOut, weight, (unused 0)
//   kind 2 backward weight: gradWeight, gradBias (0 = none), gradOut, x
Napi::Value conv2d(const Napi::CallbackInfo& info) {
  const char* fn = "conv2d";
  Napi::Env env = info.Env();
  requireArgCount(info, 9, fn);
  const double kind = intArg(info, 0, fn, "kind");
  const Conv2dShape s = readConvShape(env, fn);
  const double x_n = count_dims({s.n, s.c, s.h, s.w}), w_n = count_dims({s.o, s.c / s.groups, s.kh, s.kw}), out_n = count_dims({s.n, s.o, s.ho, s.wo});
  bool ok = true;
  if (kind == 0) {
    const Span out = span(info, 1, fn, "out"), x = span(info, 3, fn, "input"), w = span(info, 5, fn, "weight");
    const Span b = optionalSpan(info, 7, fn, "bias");
    requireElements(env, fn, "out", out, out_n);
    requireElements(env, fn, "input", x, x_n);
    requireElements(env, fn, "weight", w, w_n);
    if (b.data) requireElements(env, fn, "bias", b, static_cast<double>(s.o));
    ok = conv2dForward(as<float>(out), as<float>(x), as<float>(w), b.data ? as<float>(b) : nullptr, s);
  } else if (kind == 1) {
    const Span gx = span(info, 1, fn, "gradInput"), go = span(info, 3, fn, "gradOutput"), w = span(info, 5, fn, "weight");
    requireElements(env, fn, "gradInput", gx, x_n);
    requireElements(env, fn, "gradOutput", go, out_n);
    requireElements(env, fn, "weight", w, w_n);
    ok = conv2dBackwardInput(as<float>(gx), as<float>(go), as<float>(w), s);
  } else if (kind == 2) {
    const Span gw = span(info, 1, fn, "gradWeight"), gb = optionalSpan(info, 3, fn, "gradBias");
    const Span go = span(info, 5, fn, "gradOutput"), x = span(info, 7, fn, "input");
    requireElements(env, fn, "gradWeight", gw, w_n);
    if (gb.data) requireElements(env, fn, "gradBias", gb, static_cast<double>(s.o));
    requireElements(env, fn, "gradOutput", go, out_n);
    requireElements(env, fn, "input", x, x_n);
    ok = conv2dBackwardWeight(as<float>(gw), gb.data ? as<float>(gb) : nullptr, as<float>(go), as<float>(x), s);
  } else {
    throwRangeError(env, "conv2d: unknown kind");
  }
  if (!ok) throw Napi::Error::New(env, "conv2d: out of memory for the column buffer");
  return env.Undefined();
}

// pool2d(kind, a, off, b, off, c, off) with params [planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw,
// ho, wo, countIncludePad, divisorOverride]:
//   0 max forward (out, indices or 0, x)   1 max backward (gradX, gradOut, indices)
//   2 avg forward (out, x, -)              3 avg backward (gradX, gradOut, -)
//   4 adaptive avg forward (out, x, -)     5 adaptive avg backward (gradX, gradOut, -)
Napi::Value pool2d(const Napi::CallbackInfo& info) {
  const char* fn = "pool2d";
  Napi::Env env = info.Env();
  requireArgCount(info, 7, fn);
  const double kind = intArg(info, 0, fn, "kind");
  Pool2dShape s;
  std::size_t* fields[] = {&s.planes, &s.h, &s.w, &s.kh, &s.kw, &s.sh, &s.sw, &s.ph, &s.pw, &s.dh, &s.dw, &s.ho, &s.wo};
  for (std::size_t k = 0; k < 13; k++) *fields[k] = slot(env, fn, k);
  const bool include_pad = slot(env, fn, 13) != 0;
  const std::size_t divisor = slot(env, fn, 14);
  const bool adaptive = kind >= 4;
  if (!adaptive) {
    if (s.kh == 0 || s.kw == 0 || s.sh == 0 || s.sw == 0 || s.dh == 0 || s.dw == 0 || 2 * s.ph > s.kh * s.dh ||
        2 * s.pw > s.kw * s.dw) {
      throwRangeError(env, "pool2d: inconsistent pooling parameters");
    }
    // Every window must start inside the padded input (ceil mode may add one partial window).
    if (s.ho > 0 && (s.ho - 1) * s.sh >= s.h + s.ph) throwRangeError(env, "pool2d: output height too large");
    if (s.wo > 0 && (s.wo - 1) * s.sw >= s.w + s.pw) throwRangeError(env, "pool2d: output width too large");
  } else if ((s.ho == 0 && s.h > 0) || (s.wo == 0 && s.w > 0)) {
    throwRangeError(env, "pool2d: adaptive output size must be positive");
  }
  const double in_n = count_dims({s.planes, s.h, s.w}), out_n = count_dims({s.planes, s.ho, s.wo});
  const Span a = span(info, 1, fn, kind == 1 || kind == 3 || kind == 5 ? "gradInput" : "out");
  const bool backward = kind == 1 || kind == 3 || kind == 5;
  requireElements(env, fn, "first operand", a, backward ? in_n : out_n);
  if (kind == 0) {
    const Span ix = optionalSpan(info, 3, fn, "indices"), x = span(info, 5, fn, "input");
    if (ix.data) requireElements(env, fn, "indices", ix, out_n);
    requireElements(env, fn, "input", x, in_n);
    maxPool2dForward(as<float>(a), ix.data ? as<int32_t>(ix) : nullptr, as<float>(x), s);
  } else if (kind == 1) {
    const Span go = span(info, 3, fn, "gradOutput"), ix = span(info, 5, fn, "indices");
    requireElements(env, fn, "gradOutput", go, out_n);
    requireElements(env, fn, "indices", ix, out_n);
    maxPool2dBackward(as<float>(a), as<float>(go), as<int32_t>(ix), s);  // indices outside the plane are skipped
  } else if (kind == 2 || kind == 4) {
    const Span x = span(info, 3, fn, "input");
    requireElements(env, fn, "input", x, in_n);
    if (kind == 2) avgPool2dForward(as<float>(a), as<float>(x), s, include_pad, divisor);
    else adaptiveAvgPool2dForward(as<float>(a), as<float>(x), s.planes, s.h, s.w, s.ho, s.wo);
  } else if (kind == 3 || kind == 5) {
    const Span go = span(info, 3, fn, "gradOutput");
    requireElements(env, fn, "gradOutput", go, out_n);
    if (kind == 3) avgPool2dBackward(as<float>(a), as<float>(go), s, include_pad, divisor);
    else adaptiveAvgPool2dBackward(as<float>(a), as<float>(go), s.planes, s.h, s.w, s.ho, s.wo);
  } else {
    throwRangeError(env, "pool2d: unknown kind");
  }
  return env.Undefined();
}

// batchNorm(kind, 8 operands as handle/offset pairs, n, c, l, training, momentum, eps)
//   kind 0 forward:  out, saveMean, saveInvstd, x, weight, bias, runningMean, runningVar
//   kind 1 backward: gradX, gradWeight, gradBias, gradOut, x, weight, saveMean, saveInvstd
// Optional operands are handle 0.
Napi::Value batchNorm(const Napi::CallbackInfo& info) {
  const char* fn = "batchNorm";
  Napi::Env env = info.Env();
  requireArgCount(info, 23, fn);
  const double kind = intArg(info, 0, fn, "kind");
  BatchNormShape s;
  s.n = sizeArg(info, 17, fn, "n");
  s.c = sizeArg(info, 18, fn, "c");
  s.l = sizeArg(info, 19, fn, "l");
  const bool training = info[20].ToBoolean().Value();
  const float momentum = floatArg(info, 21, fn, "momentum");
  const float eps = floatArg(info, 22, fn, "eps");
  const double total = count_dims({s.n, s.c, s.l});
  Span ops[8];
  const char* names[8] = {"out", "saveMean", "saveInvstd", "input", "weight", "bias", "runningMean", "runningVar"};
  const char* bnames[8] = {"gradInput", "gradWeight", "gradBias", "gradOutput", "input", "weight", "saveMean", "saveInvstd"};
  for (int k = 0; k < 8; k++) {
    ops[k] = optionalSpan(info, 1 + 2 * k, fn, kind == 0 ? names[k] : bnames[k]);
    // Operands 0 and 3 (and 4 in backward) are per element, the rest per channel.
    const bool per_element = k == 0 || k == 3 || (kind == 1 && k == 4);
    if (ops[k].data) requireElements(env, fn, kind == 0 ? names[k] : bnames[k], ops[k], per_element ? total : static_cast<double>(s.c));
  }
  auto f = [&](int k) { return ops[k].data ? as<float>(ops[k]) : nullptr; };
  if (kind == 0) {
    if (!ops[0].data || !ops[3].data) throwRangeError(env, "batchNorm: out and input are required");
    if (!training && (!ops[6].data || !ops[7].data)) throwRangeError(env, "batchNorm: evaluation needs running statistics");
    batchNormForward(f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), s, training, momentum, eps);
  } else if (kind == 1) {
    if (!ops[3].data || !ops[4].data || !ops[6].data || !ops[7].data) throwRangeError(env, "batchNorm: backward needs gradOutput, input and saved statistics");
    batchNormBackward(f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), s, training);
  } else {
    throwRangeError(env, "batchNorm: unknown kind");
  }
  return env.Undefined();
}

}  // namespace binding
}  // namespace keel

#include "kernels/optim/optim.h"

namespace keel {
namespace binding {

// optimStep(kind, param, off, grad, off, s1, off, s2, off, s3, off, n) with hyperparameters in
// params [lr, weightDecay, momentum, dampening, beta1, beta2, eps, alpha, lrDecay, nesterov,
// maximize, amsgrad, centered, decoupled, step, firstStep]. kind 0 SGD (s1 momentum buffer),
// 1 Adam/AdamW (s1 exp_avg, s2 exp_avg_sq, s3 max_exp_avg_sq), 2 Adagrad (s1 sum), 3 RMSprop
// (s1 square_avg, s2 grad_avg, s3 momentum buffer). Unused state is handle 0.
Napi::Value optimStep(const Napi::CallbackInfo& info) {
  const char* fn = "optimStep";
  Napi::Env env = info.Env();
  requireArgCount(info, 12, fn);
  const double kind = intArg(info, 0, fn, "kind");
  const std::size_t n = sizeArg(info, 11, fn, "n");
  const Span p = span(info, 1, fn, "param"), g = span(info, 3, fn, "grad");
  const Span s1 = optionalSpan(info, 5, fn, "state1"), s2 = optionalSpan(info, 7, fn, "state2"), s3 = optionalSpan(info, 9, fn, "state3");
  requireElements(env, fn, "param", p, static_cast<double>(n));
  requireElements(env, fn, "grad", g, static_cast<double>(n));
  for (const Span* s : {&s1, &s2, &s3}) {
    if (s->data) requireElements(env, fn, "state", *s, static_cast<double>(n));
  }
  const double* v = instance(env).params;
  OptimHyper h;
  h.lr = static_cast<float>(v[0]);
  h.weight_decay = static_cast<float>(v[1]);
  h.momentum = static_cast<float>(v[2]);
  h.dampening = static_cast<float>(v[3]);
  h.beta1 = static_cast<float>(v[4]);
  h.beta2 = static_cast<float>(v[5]);
  h.eps = static_cast<float>(v[6]);
  h.alpha = static_cast<float>(v[7]);
  h.lr_decay = static_cast<float>(v[8]);
  h.nesterov = v[9] != 0;
  h.maximize = v[10] != 0;
  h.amsgrad = v[11] != 0;
  h.centered = v[12] != 0;
  h.decoupled = v[13] != 0;
  h.step = v[14];
  h.first_step = v[15] != 0;
  auto need = [&](const Span& s, const char* what) {
    if (!s.data) throwRangeError(env, std::string(fn) + ": missing optimizer state " + what);
    return as<float>(s);
  };
  if (kind == 0) {
    sgdStep(as<float>(p), as<float>(g), h.momentum != 0 ? need(s1, "momentum_buffer") : nullptr, n, h);
  } else if (kind == 1) {
    adamStep(as<float>(p), as<float>(g), need(s1, "exp_avg"), need(s2, "exp_avg_sq"), h.amsgrad ? need(s3, "max_exp_avg_sq") : nullptr, n, h);
  } else if (kind == 2) {
    adagradStep(as<float>(p), as<float>(g), need(s1, "sum"), n, h);
  } else if (kind == 3) {
    rmspropStep(as<float>(p), as<float>(g), need(s1, "square_avg"), h.centered ? need(s2, "grad_avg") : nullptr,
                h.momentum > 0 ? need(s3, "momentum_buffer") : nullptr, n, h);
  } else {
    throwRangeError(env, "optimStep: unknown kind");
  }
  return env.Undefined();
}

}  // namespace binding
}  // namespace keel

#include "kernels/rnn/gru.h"
#include "kernels/rnn/lstm.h"

namespace keel {
namespace binding {
namespace {

// The operands of one recurrent-layer call, lstm() or gru(): one (handle, offset) pair per name
// after the kind, the shape from params [t, b, i, h, reverse], and the optional int32 lengths
// operand (the last), each value checked to lie in [1, t].
class RnnOperands {
 public:
  RnnOperands(const Napi::CallbackInfo& info, const char* fn, const std::vector<const char*>& names)
      : env_(info.Env()), fn_(fn), names_(names), ops_(names.size()) {
    const std::size_t count = names.size(), lengths_k = count - 1;
    requireArgCount(info, 1 + 2 * count, fn);
    shape_.t = slot(env_, fn, 0);
    shape_.b = slot(env_, fn, 1);
    shape_.i = slot(env_, fn, 2);
    shape_.h = slot(env_, fn, 3);
    shape_.reverse = instance(env_).params[4] != 0;
    for (std::size_t k = 0; k < count; k++) ops_[k] = optionalSpan(info, 1 + 2 * k, fn, names[k]);
    if (ops_[lengths_k].data) {
      requireElements(env_, fn, "lengths", ops_[lengths_k], static_cast<double>(shape_.b));
      const int32_t* l = as<int32_t>(ops_[lengths_k]);
      for (std::size_t r = 0; r < shape_.b; r++) {
        if (l[r] < 1 || static_cast<std::size_t>(l[r]) > shape_.t) {
          throwRangeError(env_, std::string(fn) + ": lengths[" + std::to_string(r) + "] = " + std::to_string(l[r]) +
                                    " is outside [1, " + std::to_string(shape_.t) + "]");
        }
      }
      lengths_.assign(l, l + shape_.b);
      shape_.lengths = lengths_.data();
    }
  }

  // Valid while this object lives (it owns the copy of the lengths).
  const RnnShape& shape() const { return shape_; }

  // Operand k as floats, checked to hold n of them; null when absent and not required.
  float* operator()(std::size_t k, double n, bool required) const {
    if (!ops_[k].data) {
      if (required) throwRangeError(env_, std::string(fn_) + ": " + names_[k] + " is required");
      return nullptr;
    }
    requireElements(env_, fn_, names_[k], ops_[k], n);
    return as<float>(ops_[k]);
  }

 private:
  Napi::Env env_;
  const char* fn_;
  std::vector<const char*> names_;
  std::vector<Span> ops_;
  std::vector<int32_t> lengths_;
  RnnShape shape_{};
};

}  // namespace

// lstm(kind, pairs of (handle, offset)...) with params [t, b, i, h, reverse].
//   kind 0 forward (11 operands): output (t+2, b, h: the output, then hN, then cN), hStates,
//                                 cStates, gates, x, h0, c0, wIh, wHh, bias?, lengths?
//   kind 1 backward (17 operands): dx?, dh0?, dc0?, dwIh?, dwHh?, dBias?, dgates, dOutput?, dhN?, dcN?,
//                                  x, wIh, wHh, hStates, cStates, gates, lengths?
// Optional operands are handle 0. lengths is int32 with every value in [1, t].
Napi::Value lstm(const Napi::CallbackInfo& info) {
  const char* fn = "lstm";
  Napi::Env env = info.Env();
  const double kind = intArg(info, 0, fn, "kind");
  if (kind != 0 && kind != 1) throwRangeError(env, "lstm: unknown kind");
  const RnnOperands req(info, fn,
                        kind == 0 ? std::vector<const char*>{"output", "hStates", "cStates", "gates", "input", "h0", "c0",
                                                             "weightIh", "weightHh", "bias", "lengths"}
                                  : std::vector<const char*>{"gradInput", "gradH0", "gradC0", "gradWeightIh", "gradWeightHh",
                                                             "gradBias", "gradGates", "gradOutput", "gradHN", "gradCN",
                                                             "input", "weightIh", "weightHh", "hStates", "cStates", "gates",
                                                             "lengths"});
  const LstmShape& s = req.shape();
  const double tbh = count_dims({s.t, s.b, s.h}), bh = count_dims({s.b, s.h}), g4 = 4.0 * s.h;
  bool ok;
  if (kind == 0) {
    ok = lstmForward(req(0, tbh + 2 * bh, true), req(1, tbh + bh, true), req(2, tbh + bh, true),
                     req(3, tbh * 4, true), req(4, count_dims({s.t, s.b, s.i}), true), req(5, bh, true),
                     req(6, bh, true), req(7, g4 * s.i, true), req(8, g4 * s.h, true),
                     req(9, g4, false), s);
  } else {
    ok = lstmBackward(req(0, count_dims({s.t, s.b, s.i}), false), req(1, bh, false), req(2, bh, false),
                      req(3, g4 * s.i, false), req(4, g4 * s.h, false), req(5, g4, false),
                      req(6, tbh * 4, true), req(7, tbh, false), req(8, bh, false),
                      req(9, bh, false), req(10, count_dims({s.t, s.b, s.i}), true), req(11, g4 * s.i, true),
                      req(12, g4 * s.h, true), req(13, tbh + bh, true), req(14, tbh + bh, true),
                      req(15, tbh * 4, true), s);
  }
  if (!ok) throw Napi::Error::New(env, "lstm: out of memory for packing buffers");
  return env.Undefined();
}

// gru(kind, pairs of (handle, offset)...) with params [t, b, i, h, reverse].
//   kind 0 forward (11 operands): output (t+1, b, h: the output, then hN), hStates, gates, hn,
//                                 x, h0, wIh, wHh, bIh?, bHh?, lengths?
//   kind 1 backward (17 operands): dx?, dh0?, dwIh?, dwHh?, dbIh?, dbHh?, dgx, dgh, dOutput?, dhN?,
//                                  x, wIh, wHh, hStates, gates, hn, lengths?
// Optional operands are handle 0. lengths is int32 with every value in [1, t].
Napi::Value gru(const Napi::CallbackInfo& info) {
  const char* fn = "gru";
  Napi::Env env = info.Env();
  const double kind = intArg(info, 0, fn, "kind");
  if (kind != 0 && kind != 1) throwRangeError(env, "gru: unknown kind");
  const RnnOperands req(info, fn,
                        kind == 0 ? std::vector<const char*>{"output", "hStates", "gates", "hn", "input", "h0", "weightIh",
                                                             "weightHh", "biasIh", "biasHh", "lengths"}
                                  : std::vector<const char*>{"gradInput", "gradH0", "gradWeightIh", "gradWeightHh",
                                                             "gradBiasIh", "gradBiasHh", "gradGatesInput", "gradGatesHidden",
                                                             "gradOutput", "gradHN", "input", "weightIh", "weightHh",
                                                             "hStates", "gates", "hn", "lengths"});
  const GruShape& s = req.shape();
  const double tbh = count_dims({s.t, s.b, s.h}), bh = count_dims({s.b, s.h}), g3 = 3.0 * s.h;
  const double states = tbh + bh, tbi = count_dims({s.t, s.b, s.i});
  bool ok;
  if (kind == 0) {
    ok = gruForward(req(0, tbh + bh, true), req(1, states, true), req(2, tbh * 3, true),
                    req(3, states, true), req(4, tbi, true), req(5, bh, true),
                    req(6, g3 * s.i, true), req(7, g3 * s.h, true), req(8, g3, false),
                    req(9, g3, false), s);
  } else {
    ok = gruBackward(req(0, tbi, false), req(1, bh, false), req(2, g3 * s.i, false),
                     req(3, g3 * s.h, false), req(4, g3, false), req(5, g3, false),
                     req(6, tbh * 3, true), req(7, tbh * 3, true),
                     req(8, tbh, false), req(9, bh, false), req(10, tbi, true),
                     req(11, g3 * s.i, true), req(12, g3 * s.h, true),
                     req(13, states, true), req(14, tbh * 3, true), req(15, states, true), s);
  }
  if (!ok) throw Napi::Error::New(env, "gru: out of memory for packing buffers");
  return env.Undefined();
}

}  // namespace binding
}  // namespace keel
