#pragma once
// Transparent huge pages for large buffers that are about to be filled.

#include <cstddef>

namespace trenchcoat::nn::detail {

// Asks the kernel to back the whole 2 MiB pages inside [p, p + bytes) with huge pages
// (madvise MADV_HUGEPAGE), for memory that has not been touched yet. Without it, the
// MNIST training matrix (188 MB of floats) takes 47 000 page faults on first touch;
// each is a trip through this VM's hypervisor, and together they were over half of
// `trenchcoat train`'s data-loading time. Only advice: where the kernel has huge
// pages off, or the range holds no whole huge page, nothing changes.
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

}  // namespace trenchcoat::nn::detail
