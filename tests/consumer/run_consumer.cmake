# ctest's `install.consumer`: installs the build tree into a prefix inside it, then
# configures, builds and runs tests/consumer against that prefix alone.
#   -DBUILD_DIR=<trenchcoat build tree> -DWORK_DIR=<scratch> -DCONSUMER_DIR=<tests/consumer>
#   -DCXX=<compiler> -DLINK_FLAGS=<sanitizer link flags, may be empty>
#   -DMPIEXEC=<mpiexec, only when the tree was built with MPI: then the component
#    `mpi` must be installed, and consumer_mpi runs on one rank under it>
foreach(var BUILD_DIR WORK_DIR CONSUMER_DIR CXX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake needs -D${var}=...")
  endif()
endforeach()

set(_expect_mpi OFF)
if(MPIEXEC)
  set(_expect_mpi ON)
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}"
  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
set(_installed include/trenchcoat/kernels/gemm.hpp include/trenchcoat/nn/trainer.hpp
    bin/trenchcoat lib/cmake/trenchcoat/trenchcoatConfig.cmake
    lib/cmake/trenchcoat/trenchcoatConfigVersion.cmake)
if(_expect_mpi)
  list(APPEND _installed include/trenchcoat/nn/mpi_exchange.hpp lib/cmake/trenchcoat/trenchcoatMpiTargets.cmake)
endif()
foreach(f ${_installed})
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "cmake --install did not install ${f}")
  endif()
endforeach()

# CMAKE_FIND_USE_CMAKE_SYSTEM_PATH and CMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY are left
# alone: oneTBB and zlib come from the system, trenchcoat only from the prefix
# (there is no other installed copy for find_package to pick up by mistake).
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build"
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}" "-DEXPECT_MPI=${_expect_mpi}"
  COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}/build" COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${WORK_DIR}/build/consumer" COMMAND_ERROR_IS_FATAL ANY)
if(_expect_mpi)
  execute_process(COMMAND "${MPIEXEC}" --allow-run-as-root -np 1 "${WORK_DIR}/build/consumer_mpi"
    COMMAND_ERROR_IS_FATAL ANY)
endif()
