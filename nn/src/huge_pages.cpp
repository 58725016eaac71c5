#include "huge_pages.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace trenchcoat::nn::detail {

void advise_huge_pages(void* p, std::size_t bytes) noexcept {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last <= first) return;
  // A failure (EINVAL where THP is compiled out) leaves ordinary pages: nothing to do.
  (void)::madvise(static_cast<char*>(p) + (first - begin), last - first, MADV_HUGEPAGE);
}

}  // namespace trenchcoat::nn::detail
