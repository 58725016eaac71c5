#include "build_info.hpp"

// Set by tools/trenchcoat/CMakeLists.txt on this file alone.
#ifndef TRENCHCOAT_CXX_COMPILER
#define TRENCHCOAT_CXX_COMPILER "unknown"
#endif
#ifndef TRENCHCOAT_CXX_FLAGS
#define TRENCHCOAT_CXX_FLAGS "unknown"
#endif

namespace trenchcoat::cli {

std::string compiler_description() { return TRENCHCOAT_CXX_COMPILER; }

std::string compile_flags() {
  // kernels/CMakeLists.txt gives *_avx2.cpp and *_avx512.cpp these levels (and
  // nothing else any ISA flag), so they are part of how the kernels were built.
  return std::string(TRENCHCOAT_CXX_FLAGS) + "; *_avx2.cpp: -march=x86-64-v3; *_avx512.cpp: -march=x86-64-v4";
}

}  // namespace trenchcoat::cli
