// Native storage handles for one addon instance (the main thread or one worker_thread). The
// table lives in the instance data, so each JS thread has its own and no global is shared.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "args.h"
#include "binding.h"
#include "core/storage.h"
#include "instance.h"

namespace keel {
namespace binding {
namespace {

StorageTable& table(Napi::Env env) { return instance(env).storage; }

// The size V8 is told about; it counts toward GC pressure so a loop that drops tensors without
// disposing them still triggers collections (and the finalizers that free them).
void reportExternal(Napi::Env env, int64_t delta) {
  Napi::MemoryManagement::AdjustExternalMemory(env, delta);
}

uint64_t handleArg(const Napi::CallbackInfo& info, const char* fn) {
  requireArgCount(info, 1, fn);
  const Napi::Value v = info[0];
  double d;
  if (!numberValue(v, &d)) throwTypeError(info.Env(), fn, "a storage handle", "handle", v);
  if (!(d >= 1) || d != std::floor(d) || d > StorageTable::kMaxHandle) {
    throwTypeError(info.Env(), fn, "a storage handle", "handle", v);
  }
  return static_cast<uint64_t>(d);
}

StorageBlock* liveBlock(const Napi::CallbackInfo& info, const char* fn) {
  const uint64_t handle = handleArg(info, fn);
  StorageBlock* block = table(info.Env()).lookup(handle);
  if (block == nullptr) {
    throw Napi::Error::New(info.Env(), std::string(fn) + ": storage " + std::to_string(handle) +
                                           " has been freed (use after dispose)");
  }
  return block;
}

}  // namespace

void initStorage(Napi::Env env) { env.SetInstanceData(new InstanceState()); }

Napi::Value storageAlloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireArgCount(info, 1, "storageAlloc");
  const Napi::Value v = info[0];
  if (!v.IsNumber()) throwTypeError(env, "storageAlloc", "a non-negative integer", "bytes", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740991.0) {
    throw Napi::RangeError::New(env, "storageAlloc: expected a non-negative integer for bytes but received " +
                                         describeValue(v));
  }
  const bool zero = info.Length() > 1 && info[1].ToBoolean().Value();
  const std::size_t bytes = static_cast<std::size_t>(d);
  const uint64_t handle = table(env).allocate(bytes, zero);
  if (handle == 0) {
    throw Napi::RangeError::New(env, "storageAlloc: out of memory allocating " + std::to_string(bytes) + " bytes");
  }
  reportExternal(env, static_cast<int64_t>(bytes));
  return Napi::Number::New(env, static_cast<double>(handle));
}

Napi::Value storageFree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint64_t handle = handleArg(info, "storageFree");
  StorageBlock* block = table(env).lookup(handle);
  if (block == nullptr) return Napi::Boolean::New(env, false);
  const std::size_t bytes = block->bytes();
  table(env).free(handle);
  reportExternal(env, -static_cast<int64_t>(bytes));
  return Napi::Boolean::New(env, true);
}

// Largest view handed out: Node 20's ArrayBuffer limit (buffer.constants.MAX_LENGTH). Past it
// Node refuses external buffers, so larger storage is read through several views.
constexpr double kMaxViewBytes = 4294967296.0;

Napi::Value storageView(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StorageBlock* block = liveBlock(info, "storageView");
  const double size = static_cast<double>(block->bytes());
  double offset = 0, length = size;
  if (info.Length() > 1 && !info[1].IsUndefined()) offset = static_cast<double>(dimArg(info, 1, "storageView", "byteOffset"));
  if (info.Length() > 2 && !info[2].IsUndefined()) length = static_cast<double>(dimArg(info, 2, "storageView", "byteLength"));
  else length = size - std::min(offset, size);
  if (offset + length > size) {
    throwRangeError(env, "storageView: byteOffset " + std::to_string(static_cast<uint64_t>(offset)) +
                             " + byteLength " + std::to_string(static_cast<uint64_t>(length)) +
                             " is past the end of a storage of " + std::to_string(block->bytes()) + " bytes");
  }
  if (length > kMaxViewBytes) {
    throwRangeError(env, "storageView: a view of " + std::to_string(static_cast<uint64_t>(length)) +
                             " bytes is larger than the largest ArrayBuffer (4294967296 bytes); "
                             "read the storage through several views");
  }
  block->retain();
  // The view owns a reference: it stays valid after the handle is freed, and the memory goes
  // when the last of the two lets go.
  return Napi::ArrayBuffer::New(env, static_cast<char*>(block->data()) + static_cast<std::size_t>(offset),
                                static_cast<std::size_t>(length),
                                [](Napi::Env, void*, StorageBlock* b) { b->release(); }, block);
}

Napi::Value storageBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveBlock(info, "storageBytes")->bytes()));
}

Napi::Value storageStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("live", static_cast<double>(table(env).liveCount()));
  out.Set("bytes", static_cast<double>(table(env).liveBytes()));
  out.Set("pooled", static_cast<double>(table(env).pooledCount()));
  out.Set("pooledBytes", static_cast<double>(table(env).pooledBytes()));
  out.Set("poolLimit", static_cast<double>(table(env).poolLimit()));
  return out;
}

}  // namespace binding
}  // namespace keel

namespace keel {
namespace binding {
namespace {

// Byte range [offset, offset + bytes) of a live block, checked.
void* liveRange(const Napi::CallbackInfo& info, const char* fn, double offset, std::size_t bytes) {
  StorageBlock* block = liveBlock(info, fn);
  if (offset + static_cast<double>(bytes) > static_cast<double>(block->bytes())) {
    throwRangeError(info.Env(), std::string(fn) + ": byteOffset " + std::to_string(static_cast<uint64_t>(offset)) +
                                    " + " + std::to_string(bytes) + " bytes is past the end of a storage of " +
                                    std::to_string(block->bytes()) + " bytes");
  }
  return static_cast<char*>(block->data()) + static_cast<std::size_t>(offset);
}

Napi::TypedArray typedArrayArg(const Napi::CallbackInfo& info, std::size_t i, const char* fn) {
  if (!info[i].IsTypedArray()) throwTypeError(info.Env(), fn, "a typed array", "data", info[i]);
  return info[i].As<Napi::TypedArray>();
}

}  // namespace

// storageWrite(handle, byteOffset, typedArray): copies the array's bytes in.
Napi::Value storageWrite(const Napi::CallbackInfo& info) {
  requireArgCount(info, 3, "storageWrite");
  const double offset = static_cast<double>(dimArg(info, 1, "storageWrite", "byteOffset"));
  Napi::TypedArray array = typedArrayArg(info, 2, "storageWrite");
  const std::size_t bytes = array.ByteLength();
  void* dst = liveRange(info, "storageWrite", offset, bytes);
  if (bytes > 0) {
    const char* src = static_cast<const char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    std::memcpy(dst, src, bytes);
  }
  return info.Env().Undefined();
}

// storageRead(handle, byteOffset, typedArray): copies bytes out into the array.
Napi::Value storageRead(const Napi::CallbackInfo& info) {
  requireArgCount(info, 3, "storageRead");
  const double offset = static_cast<double>(dimArg(info, 1, "storageRead", "byteOffset"));
  Napi::TypedArray array = typedArrayArg(info, 2, "storageRead");
  const std::size_t bytes = array.ByteLength();
  const void* src = liveRange(info, "storageRead", offset, bytes);
  if (bytes > 0) {
    char* dst = static_cast<char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    std::memcpy(dst, src, bytes);
  }
  return info.Env().Undefined();
}

// storagePoolLimit(bytes): how many freed bytes are kept for reuse (0 empties the pool).
Napi::Value storagePoolLimit(const Napi::CallbackInfo& info) {
  requireArgCount(info, 1, "storagePoolLimit");
  const Napi::Value v = info[0];
  if (!v.IsNumber()) throwTypeError(info.Env(), "storagePoolLimit", "a non-negative integer", "bytes", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740991.0) {
    throwTypeError(info.Env(), "storagePoolLimit", "a non-negative integer", "bytes", v);
  }
  table(info.Env()).setPoolLimit(static_cast<std::size_t>(d));
  return info.Env().Undefined();
}

// The instance's parameter slots as an ArrayBuffer (made once per instance by lib/).
Napi::Value paramBuffer(const Napi::CallbackInfo& info) {
  InstanceState& state = instance(info.Env());
  return Napi::ArrayBuffer::New(info.Env(), state.params, sizeof(state.params));
}

}  // namespace binding
}  // namespace keel
