#pragma once
// How this binary was built, for the JSON results: numbers from two builds are only
// comparable when the reader can see that the compiler and flags differ.

#include <string>

namespace trenchcoat::cli {

// "GNU 12.2.0"
std::string compiler_description();

// The build type and the flags every translation unit got ("Release: -O3 -DNDEBUG"),
// plus the -march levels of the ISA-specific kernel sources.
std::string compile_flags();

}  // namespace trenchcoat::cli
