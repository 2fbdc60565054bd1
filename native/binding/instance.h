// Per-instance state of the addon (one per JS thread that loads it), kept in the N-API
// instance data so nothing is shared between worker_threads.
#pragma once
#include <napi.h>

#include "core/storage.h"

namespace keel {
namespace binding {

// Doubles JS writes op parameters into (shapes, strides) before a call, so a call passes a few
// numbers instead of arrays, whose element-by-element N-API reads would cost more than the op.
constexpr std::size_t kParamSlots = 256;

struct InstanceState {
  StorageTable storage;
  double params[kParamSlots] = {};
};

inline InstanceState& instance(Napi::Env env) { return *env.GetInstanceData<InstanceState>(); }

}  // namespace binding
}  // namespace keel
