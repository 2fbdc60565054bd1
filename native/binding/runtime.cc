// Process facts and settings: CPU features, the active ISA, the thread count.
#include <napi.h>

#include <cmath>
#include <string>

#include "args.h"
#include "binding.h"
#include "core/cpu.h"
#include "core/thread_pool.h"
#include "kernels/gemm/ukernel.h"

namespace keel {
namespace binding {

Napi::Value cpuInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpuFeatures();
  Napi::Object out = Napi::Object::New(env);
  out.Set("isa", isaName(activeIsa()));
  out.Set("bestIsa", isaName(bestIsa()));
  Napi::Array supported = Napi::Array::New(env);
  for (int i = 0, j = 0; i < kIsaCount; i++) {
    if (isaSupported(static_cast<Isa>(i))) supported.Set(j++, isaName(static_cast<Isa>(i)));
  }
  out.Set("supportedIsas", supported);
  out.Set("gemmKernel", f32GemmKernel(activeIsa()).name);
  out.Set("arch", f.arch);
  out.Set("vendor", f.vendor);
  out.Set("brand", f.brand);
  Napi::Object features = Napi::Object::New(env);
  features.Set("sse2", f.sse2);
  features.Set("avx", f.avx);
  features.Set("fma", f.fma);
  features.Set("avx2", f.avx2);
  features.Set("f16c", f.f16c);
  features.Set("avx512f", f.avx512f);
  features.Set("avx512dq", f.avx512dq);
  features.Set("avx512bw", f.avx512bw);
  features.Set("avx512vl", f.avx512vl);
  features.Set("avx512cd", f.avx512cd);
  features.Set("osAvx", f.osAvx);
  features.Set("osAvx512", f.osAvx512);
  out.Set("features", features);
  out.Set("numThreads", static_cast<double>(numThreads()));
  out.Set("availableCpus", static_cast<double>(availableCpus()));
  return out;
}

Napi::Value setIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgCount(info, 1, "setIsa");
  const Napi::Value v = info[0];
  Isa isa;
  if (!v.IsString() || !parseIsa(v.As<Napi::String>().Utf8Value(), &isa)) {
    throwTypeError(env, "setIsa", "one of 'scalar', 'avx2', 'avx512'", "isa", v);
  }
  if (!setActiveIsa(isa)) {
    throwRangeError(env, std::string("setIsa: '") + isaName(isa) +
                             "' is not supported by this CPU or build (best is '" +
                             isaName(bestIsa()) + "')");
  }
  return env.Undefined();
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(numThreads()));
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgCount(info, 1, "setNumThreads");
  const Napi::Value v = info[0];
  if (!v.IsNumber()) throwTypeError(env, "setNumThreads", "a positive integer", "n", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1) || d != std::floor(d) || d > 1024) {
    throw Napi::RangeError::New(env, "setNumThreads: expected an integer from 1 to 1024 for n but received " +
                                         describeValue(v));
  }
  keel::setNumThreads(static_cast<std::size_t>(d));
  return env.Undefined();
}

}  // namespace binding
}  // namespace keel
