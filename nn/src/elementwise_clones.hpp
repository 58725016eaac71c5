#pragma once
// TRENCHCOAT_ELEMENTWISE_CLONES, put before a function definition: the function is
// compiled twice, for AVX-512 and for the baseline x86-64 (SSE2), and the loader picks
// the copy this CPU runs (GCC's target_clones, an ifunc). For nn's element-by-element
// sweeps, which the compiler vectorises: the AVX-512 copy issues a quarter of the
// instructions. Only for code whose results cannot depend on the vector width (nn is
// built with -ffp-contract=off; integer work and correctly rounded float operations).
//
// Not under ThreadSanitizer: target_clones makes an ifunc resolver, which clang
// instruments, and the loader runs it before the TSan runtime has started (every
// program linking nn crashed in __tsan_func_entry before main).
#if defined(TRENCHCOAT_TSAN)
#define TRENCHCOAT_ELEMENTWISE_CLONES
#else
#define TRENCHCOAT_ELEMENTWISE_CLONES __attribute__((target_clones("avx512f", "default")))
#endif
