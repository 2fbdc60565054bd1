// Native tensor storage: 64-byte aligned blocks named by small integer handles, so JS holds a
// number rather than an ArrayBuffer per tensor (an ArrayBuffer costs ~1 us to create; a handle
// costs nothing). A JS view of a block is made only when values are read, and holds its own
// reference, so freeing the handle while a view is alive cannot leave the view dangling.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace keel {

// A reference-counted aligned block. The last release frees it.
class StorageBlock {
 public:
  static StorageBlock* create(std::size_t bytes, bool zero);  // nullptr if out of memory
  void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // True when the caller holds the only reference (so the block may be recycled).
  bool unique() const { return refs_.load(std::memory_order_acquire) == 1; }
  // Returns true when this call freed the block.
  bool release();
  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }

 private:
  StorageBlock(void* data, std::size_t bytes) : data_(data), bytes_(bytes) {}
  ~StorageBlock();
  void* data_;
  std::size_t bytes_;
  std::atomic<int> refs_{1};
};

// Handles for one addon instance (one JS thread); not thread-safe by design, since only its
// own JS thread touches it. A handle packs a slot index and the slot's generation, so a stale
// handle (freed, slot reused) is recognised instead of freeing someone else's block.
class StorageTable {
 public:
  // Handles fit in a double exactly: index < 2^24, generation < 2^28.
  static constexpr uint32_t kIndexBits = 24;
  static constexpr double kMaxHandle = 4503599627370496.0;  // 2^52

  StorageTable() = default;
  StorageTable(const StorageTable&) = delete;
  StorageTable& operator=(const StorageTable&) = delete;
  ~StorageTable();

  // Returns 0 (never a valid handle) when out of memory or out of slots.
  uint64_t allocate(std::size_t bytes, bool zero);
  // nullptr for an unknown or freed handle.
  StorageBlock* lookup(uint64_t handle) const;
  // Drops the table's reference; false if the handle was not live (already freed).
  bool free(uint64_t handle);

  std::size_t liveCount() const { return live_; }
  std::size_t liveBytes() const { return live_bytes_; }
  std::size_t pooledCount() const { return pooled_count_; }
  std::size_t pooledBytes() const { return pooled_bytes_; }

  // Freed blocks nobody else references are kept, by exact size, for the next allocation of
  // that size (a training loop allocates the same sizes every step), up to this many bytes.
  void setPoolLimit(std::size_t bytes);
  std::size_t poolLimit() const { return pool_limit_; }
  void releasePool();

 private:
  struct Slot {
    StorageBlock* block = nullptr;
    uint32_t generation = 1;
  };
  StorageBlock* takePooled(std::size_t bytes);
  void recycle(StorageBlock* block);

  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::size_t live_ = 0;
  std::size_t live_bytes_ = 0;
  std::unordered_map<std::size_t, std::vector<StorageBlock*>> pool_;
  std::size_t pooled_count_ = 0;
  std::size_t pooled_bytes_ = 0;
  std::size_t pool_limit_ = std::size_t{256} << 20;
};

}  // namespace keel
