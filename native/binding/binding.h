// Every function the addon exports; addon.cc puts them in the export table.
#pragma once
#include <napi.h>

namespace keel {
namespace binding {

// blas.cc
Napi::Value sgemm(const Napi::CallbackInfo& info);
Napi::Value sgemmStridedBatched(const Napi::CallbackInfo& info);

// runtime.cc
Napi::Value cpuInfo(const Napi::CallbackInfo& info);
Napi::Value setIsa(const Napi::CallbackInfo& info);
Napi::Value getNumThreads(const Napi::CallbackInfo& info);
Napi::Value setNumThreads(const Napi::CallbackInfo& info);

// storage.cc
void initStorage(Napi::Env env);
Napi::Value storageAlloc(const Napi::CallbackInfo& info);
Napi::Value storageFree(const Napi::CallbackInfo& info);
Napi::Value storageView(const Napi::CallbackInfo& info);
Napi::Value storageBytes(const Napi::CallbackInfo& info);
Napi::Value storageStats(const Napi::CallbackInfo& info);
Napi::Value storageWrite(const Napi::CallbackInfo& info);
Napi::Value storageRead(const Napi::CallbackInfo& info);
Napi::Value paramBuffer(const Napi::CallbackInfo& info);
Napi::Value storagePoolLimit(const Napi::CallbackInfo& info);

// tensor.cc
Napi::Value unary(const Napi::CallbackInfo& info);
Napi::Value unaryBackward(const Napi::CallbackInfo& info);
Napi::Value binary(const Napi::CallbackInfo& info);
Napi::Value where(const Napi::CallbackInfo& info);
Napi::Value copy(const Napi::CallbackInfo& info);
Napi::Value fill(const Napi::CallbackInfo& info);
Napi::Value arange(const Napi::CallbackInfo& info);
Napi::Value cast(const Napi::CallbackInfo& info);
Napi::Value reduce(const Napi::CallbackInfo& info);
Napi::Value argReduce(const Napi::CallbackInfo& info);
Napi::Value softmax(const Napi::CallbackInfo& info);
Napi::Value softmaxBackward(const Napi::CallbackInfo& info);
Napi::Value indexOp(const Napi::CallbackInfo& info);
Napi::Value random(const Napi::CallbackInfo& info);
Napi::Value matmul(const Napi::CallbackInfo& info);

// nn.cc
Napi::Value conv2d(const Napi::CallbackInfo& info);
Napi::Value pool2d(const Napi::CallbackInfo& info);
Napi::Value batchNorm(const Napi::CallbackInfo& info);
Napi::Value optimStep(const Napi::CallbackInfo& info);
Napi::Value lstm(const Napi::CallbackInfo& info);
Napi::Value gru(const Napi::CallbackInfo& info);

}  // namespace binding
}  // namespace keel
