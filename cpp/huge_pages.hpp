// Transparent huge pages for large arrays. Plain C++17.
//
// Linux backs memory with 4 KiB pages unless asked otherwise (THP in "madvise" mode, a common default):
// then filling 1.6 GB of fresh synapse arrays costs 400,000 page faults, and a scatter over a large
// accumulator misses the TLB on nearly every event. advise_huge_pages() asks for 2 MiB pages on the
// aligned part of a fresh allocation, before it is first touched. It is only a hint: where it is refused
// (another OS, THP off), the memory is ordinary pages and nothing else changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace snnas {

inline void advise_huge_pages(const void* p, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{1} << 21;
  if (bytes < 4 * kHuge) return;  // small arrays: not worth a system call
  const uintptr_t b = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t e = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

// Make room for n elements in v, in memory advised for huge pages when v has to allocate it.
template <typename T>
void reserve_huge(std::vector<T>& v, size_t n) {
  if (v.capacity() >= n) return;
  std::vector<T>().swap(v);
  v.reserve(n);
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

// v = n copies of value, and v = [first, last), in memory from reserve_huge().
template <typename T>
void assign_huge(std::vector<T>& v, size_t n, const T& value) {
  reserve_huge(v, n);
  v.assign(n, value);
}

template <typename T>
void assign_huge(std::vector<T>& v, const T* first, const T* last) {
  reserve_huge(v, static_cast<size_t>(last - first));
  v.assign(first, last);
}

}  // namespace snnas
