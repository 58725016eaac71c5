# ctest's `install.consumer`: installs the build tree into a prefix inside it, then
# configures, builds and runs tests/consumer against that prefix alone.
#   -DBUILD_DIR=<trenchcoat build tree> -DWORK_DIR=<scratch> -DCONSUMER_DIR=<tests/consumer>
#   -DCXX=<compiler> -DLINK_FLAGS=<sanitizer link flags, may be empty>
foreach(var BUILD_DIR WORK_DIR CONSUMER_DIR CXX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake needs -D${var}=...")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}"
  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
foreach(f include/trenchcoat/kernels/gemm.hpp include/trenchcoat/nn/trainer.hpp
          bin/trenchcoat lib/cmake/trenchcoat/trenchcoatConfig.cmake
          lib/cmake/trenchcoat/trenchcoatConfigVersion.cmake)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "cmake --install did not install ${f}")
  endif()
endforeach()

# CMAKE_FIND_USE_CMAKE_SYSTEM_PATH and CMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY are left
# alone: oneTBB and zlib come from the system, trenchcoat only from the prefix
# (there is no other installed copy for find_package to pick up by mistake).
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build"
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}"
  COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${WORK_DIR}/build/consumer" COMMAND_ERROR_IS_FATAL ANY)
