#include "storage.h"

#include <cstring>
#include <new>

#include "aligned_alloc.h"

namespace keel {

StorageBlock* StorageBlock::create(std::size_t bytes, bool zero) {
  void* data = alignedAlloc(bytes);
  if (data == nullptr) return nullptr;
  if (zero) std::memset(data, 0, bytes);
  StorageBlock* block = new (std::nothrow) StorageBlock(data, bytes);
  if (block == nullptr) alignedFree(data);
  return block;
}

bool StorageBlock::release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return false;
  delete this;
  return true;
}

StorageBlock::~StorageBlock() { alignedFree(data_); }

StorageTable::~StorageTable() {
  for (Slot& slot : slots_) {
    if (slot.block != nullptr) slot.block->release();
  }
  releasePool();
}

void StorageTable::releasePool() {
  for (auto& entry : pool_)
    for (StorageBlock* block : entry.second) block->release();
  pool_.clear();
  pooled_count_ = 0;
  pooled_bytes_ = 0;
}

void StorageTable::setPoolLimit(std::size_t bytes) {
  pool_limit_ = bytes;
  if (pooled_bytes_ > pool_limit_) releasePool();
}

StorageBlock* StorageTable::takePooled(std::size_t bytes) {
  auto it = pool_.find(bytes);
  if (it == pool_.end() || it->second.empty()) return nullptr;
  StorageBlock* block = it->second.back();
  it->second.pop_back();
  pooled_count_--;
  pooled_bytes_ -= bytes;
  return block;
}

void StorageTable::recycle(StorageBlock* block) {
  // Only blocks no JS view still references, and only while the pool has room.
  if (block->unique() && pooled_bytes_ + block->bytes() <= pool_limit_) {
    pool_[block->bytes()].push_back(block);
    pooled_count_++;
    pooled_bytes_ += block->bytes();
    return;
  }
  block->release();
}

uint64_t StorageTable::allocate(std::size_t bytes, bool zero) {
  uint32_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
  } else {
    if (slots_.size() >= (std::size_t{1} << kIndexBits) - 1) return 0;
    index = static_cast<uint32_t>(slots_.size());
  }
  StorageBlock* block = takePooled(bytes);
  if (block != nullptr) {
    if (zero) std::memset(block->data(), 0, bytes);
  } else {
    block = StorageBlock::create(bytes, zero);
    // Out of memory with blocks parked in the pool: give them back and try once more.
    if (block == nullptr && pooled_count_ > 0) {
      releasePool();
      block = StorageBlock::create(bytes, zero);
    }
  }
  if (block == nullptr) return 0;
  if (index == slots_.size()) {
    slots_.emplace_back();
  } else {
    free_slots_.pop_back();
  }
  Slot& slot = slots_[index];
  slot.block = block;
  live_++;
  live_bytes_ += bytes;
  return (static_cast<uint64_t>(slot.generation) << kIndexBits) | index;
}

StorageBlock* StorageTable::lookup(uint64_t handle) const {
  const uint64_t index = handle & ((uint64_t{1} << kIndexBits) - 1);
  const uint64_t generation = handle >> kIndexBits;
  if (index >= slots_.size()) return nullptr;
  const Slot& slot = slots_[index];
  if (slot.block == nullptr || slot.generation != generation) return nullptr;
  return slot.block;
}

bool StorageTable::free(uint64_t handle) {
  StorageBlock* block = lookup(handle);
  if (block == nullptr) return false;
  const uint32_t index = static_cast<uint32_t>(handle & ((uint64_t{1} << kIndexBits) - 1));
  Slot& slot = slots_[index];
  live_--;
  live_bytes_ -= block->bytes();
  slot.block = nullptr;
  // Generations wrap within 28 bits; 0 is skipped so that handle 0 is never valid.
  slot.generation = (slot.generation + 1) & ((1u << 28) - 1);
  if (slot.generation == 0) slot.generation = 1;
  free_slots_.push_back(index);
  recycle(block);
  return true;
}

}  // namespace keel
