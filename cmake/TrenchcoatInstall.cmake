# `cmake --install`: the headers, the two libraries as exported targets
# (trenchcoat::kernels, trenchcoat::nn), the programs, and a package config so that
# another project writes
#
#   find_package(trenchcoat CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE trenchcoat::nn)
#
# A build with MPI (TRENCHCOAT_HAVE_MPI) also installs trenchcoat::mpi, the
# exchange over MPI (trenchcoat/nn/mpi_exchange.hpp), as the package's optional
# component `mpi` in its own export set, so that a user without MPI still finds the
# rest:
#
#   find_package(trenchcoat CONFIG REQUIRED COMPONENTS mpi)   # or OPTIONAL_COMPONENTS
#   target_link_libraries(app PRIVATE trenchcoat::mpi)
#
# The libraries are static: the config file therefore finds what their private link
# dependencies need (oneTBB, zlib, threads). xsimd is not among them: it is a private
# include directory of the kernels' ISA sources and never reaches a user.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Exported as trenchcoat::kernels / trenchcoat::nn, the same names the build tree's
# ALIAS targets use, so a consumer's code is the same either way.
set_target_properties(trenchcoat_kernels PROPERTIES EXPORT_NAME kernels)
set_target_properties(trenchcoat_nn PROPERTIES EXPORT_NAME nn)

set(TRENCHCOAT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/trenchcoat)

install(TARGETS trenchcoat_kernels trenchcoat_nn EXPORT trenchcoatTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/kernels/include/ ${PROJECT_SOURCE_DIR}/nn/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")

if(TARGET trenchcoat_mpi)
  set_target_properties(trenchcoat_mpi PROPERTIES EXPORT_NAME mpi)
  install(TARGETS trenchcoat_mpi EXPORT trenchcoatMpiTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/nn/mpi/include/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
  install(EXPORT trenchcoatMpiTargets NAMESPACE trenchcoat:: DESTINATION ${TRENCHCOAT_INSTALL_CMAKEDIR})
endif()

set(_tc_programs trenchcoat)
if(TARGET trenchcoat-bench)
  list(APPEND _tc_programs trenchcoat-bench)
endif()
install(TARGETS ${_tc_programs} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT trenchcoatTargets NAMESPACE trenchcoat:: DESTINATION ${TRENCHCOAT_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/trenchcoatConfig.cmake.in
  ${PROJECT_BINARY_DIR}/trenchcoatConfig.cmake INSTALL_DESTINATION ${TRENCHCOAT_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same minor version matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/trenchcoatConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/trenchcoatConfig.cmake ${PROJECT_BINARY_DIR}/trenchcoatConfigVersion.cmake
  DESTINATION ${TRENCHCOAT_INSTALL_CMAKEDIR})
