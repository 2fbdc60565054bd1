// Module init: the export table, nothing else. Node-API modules are context-aware, so this
// runs once per JS thread that loads the addon (main thread and each worker_thread).
#include <napi.h>

#include <string>

#include "binding/binding.h"
#include "core/cpu.h"

namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  const std::string isa_error = keel::applyIsaFromEnvironment();
  if (!isa_error.empty()) throw Napi::Error::New(env, isa_error);
  keel::binding::initStorage(env);

  using namespace keel::binding;
  const struct {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  } table[] = {
      {"sgemm", sgemm},
      {"sgemmStridedBatched", sgemmStridedBatched},
      {"cpuInfo", cpuInfo},
      {"setIsa", setIsa},
      {"getNumThreads", getNumThreads},
      {"setNumThreads", setNumThreads},
      {"storageAlloc", storageAlloc},
      {"storageFree", storageFree},
      {"storageView", storageView},
      {"storageBytes", storageBytes},
      {"storageStats", storageStats},
      {"storageWrite", storageWrite},
      {"storageRead", storageRead},
      {"paramBuffer", paramBuffer},
      {"storagePoolLimit", storagePoolLimit},
      {"unary", unary},
      {"unaryBackward", unaryBackward},
      {"binary", binary},
      {"where", where},
      {"copy", copy},
      {"fill", fill},
      {"arange", arange},
      {"cast", cast},
      {"reduce", reduce},
      {"argReduce", argReduce},
      {"softmax", softmax},
      {"softmaxBackward", softmaxBackward},
      {"indexOp", indexOp},
      {"random", random},
      {"matmul", matmul},
      {"conv2d", conv2d},
      {"pool2d", pool2d},
      {"batchNorm", batchNorm},
      {"optimStep", optimStep},
      {"lstm", lstm},
      {"gru", gru},
  };
  for (const auto& entry : table) {
    exports.Set(entry.name, Napi::Function::New(env, entry.fn, entry.name));
  }
  return exports;
}

}  // namespace

NODE_API_MODULE(keel, init)
