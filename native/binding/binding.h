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

}  // namespace binding
}  // namespace keel
