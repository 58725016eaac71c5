# Compile options shared by every target of ours.
#
# trenchcoat_target_defaults(<target>): warnings as errors and the sanitizer flags.
# trenchcoat_isa_flags(<source>... ISA <avx2|avx512>): the -march level one ISA
#   translation unit is compiled with. Only those sources get ISA flags; everything
#   else stays at the baseline x86-64 so the library runs (and dispatches) on any CPU.

# -Wno-missing-field-initializers: GCC 12 flags C++20 designated initializers that
# leave defaulted members out (Options{.threads = 2}), which is the idiom we want.
set(TRENCHCOAT_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor
    -Wno-missing-field-initializers)

set(_tc_san_compile "")
set(_tc_san_link "")
if(TRENCHCOAT_SANITIZER STREQUAL "address")
  set(_tc_san_compile -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  set(_tc_san_link -fsanitize=address,undefined)
elseif(TRENCHCOAT_SANITIZER STREQUAL "thread")
  # TRENCHCOAT_TSAN tells our code it runs under TSan (tests/nn_allocation_test.cpp
  # then leaves operator new to the sanitizer). GCC would say so through
  # __SANITIZE_THREAD__, but clang 14 does not define that macro (only
  # __has_feature(thread_sanitizer)). oneTBB's ordering needs no help from our code:
  # CI links the TSan tree against a libtbb built with -fsanitize=thread
  # (tools/setup/build-tsan-onetbb.sh), which TSan sees into.
  set(_tc_san_compile -fsanitize=thread -fno-omit-frame-pointer -DTRENCHCOAT_TSAN=1)
  set(_tc_san_link -fsanitize=thread)
  # Once the top-level find_package(TBB) has run: warn when the libtbb found imports
  # no TSan hook, i.e. is Debian's uninstrumented one. (A warning for people; CI
  # checks which libtbb its test programs load.)
  function(_trenchcoat_check_tsan_tbb)
    if(NOT TARGET TBB::tbb)
      return()
    endif()
    get_target_property(location TBB::tbb IMPORTED_LOCATION)
    get_target_property(configs TBB::tbb IMPORTED_CONFIGURATIONS)
    if(NOT location AND configs)
      list(GET configs 0 config)
      get_target_property(location TBB::tbb IMPORTED_LOCATION_${config})
    endif()
    if(NOT location OR NOT EXISTS "${location}")
      return()
    endif()
    file(STRINGS "${location}" hook REGEX "^__tsan_func_entry$" LIMIT_COUNT 1)
    if(NOT hook)
      message(WARNING "TRENCHCOAT_SANITIZER=thread with an uninstrumented libtbb (${location}): "
        "TSan will report oneTBB's own task hand-offs as races. Build one with "
        "tools/setup/build-tsan-onetbb.sh PREFIX and configure with -DTBB_DIR=PREFIX/lib/cmake/TBB.")
    endif()
  endfunction()
  cmake_language(DEFER CALL _trenchcoat_check_tsan_tbb)
elseif(NOT TRENCHCOAT_SANITIZER STREQUAL "")
  message(FATAL_ERROR "TRENCHCOAT_SANITIZER must be '', 'address' or 'thread', not '${TRENCHCOAT_SANITIZER}'")
endif()

# libFuzzer targets (fuzz/): clang only, on top of the ASan + UBSan build, whose code
# then also carries libFuzzer's coverage instrumentation. The same tree runs the test
# suite under ASan + UBSan and the fuzzers (.ci/run builds it once for both).
if(TRENCHCOAT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TRENCHCOAT_FUZZ needs clang (configure with CXX=clang++)")
  endif()
  if(NOT TRENCHCOAT_SANITIZER STREQUAL "address")
    message(FATAL_ERROR "TRENCHCOAT_FUZZ needs TRENCHCOAT_SANITIZER=address")
  endif()
  list(APPEND _tc_san_compile -fsanitize=fuzzer-no-link)
endif()

function(trenchcoat_target_defaults target)
  target_compile_options(${target} PRIVATE ${TRENCHCOAT_WARNINGS} ${_tc_san_compile})
  target_link_options(${target} PRIVATE ${_tc_san_link})
endfunction()

function(trenchcoat_isa_flags)
  cmake_parse_arguments(ARG "" "ISA" "SOURCES" ${ARGN})
  if(ARG_ISA STREQUAL "avx512")
    set(flags -march=x86-64-v4)
  elseif(ARG_ISA STREQUAL "avx2")
    set(flags -march=x86-64-v3)
  else()
    message(FATAL_ERROR "unknown ISA '${ARG_ISA}'")
  endif()
  # GCC 12 reports a false "maybe uninitialized" inside its own avx512fintrin.h
  # (_mm512_undefined_ps as the pass-through of reductions that xsimd inlines into
  # our code); it is not ours to fix, so it is silenced for ISA sources only.
  # (clang has no such warning and rejects the option under -Werror.)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND flags -Wno-maybe-uninitialized)
  endif()
  set_source_files_properties(${ARG_SOURCES} PROPERTIES COMPILE_OPTIONS "${flags}")
endfunction()
