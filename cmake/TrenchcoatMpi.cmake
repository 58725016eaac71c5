# TRENCHCOAT_MPI: data-parallel training across processes with Open MPI
# (`mpirun -np R trenchcoat train --distributed`). AUTO builds it when MPI is found
# (Debian: libopenmpi-dev openmpi-bin), ON requires it, OFF leaves it out. Sets
# TRENCHCOAT_HAVE_MPI and says at configure time which it is.
set(TRENCHCOAT_MPI AUTO CACHE STRING "MPI training across processes: AUTO (when found), ON (required) or OFF")
set_property(CACHE TRENCHCOAT_MPI PROPERTY STRINGS AUTO ON OFF)

set(TRENCHCOAT_HAVE_MPI OFF)
if(TRENCHCOAT_MPI STREQUAL "OFF")
  message(STATUS "trenchcoat: MPI training across processes: off (TRENCHCOAT_MPI=OFF)")
else()
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(TRENCHCOAT_HAVE_MPI ON)
    message(STATUS "trenchcoat: MPI training across processes: on (MPI ${MPI_CXX_VERSION}, tests run ${MPIEXEC_EXECUTABLE})")
  elseif(TRENCHCOAT_MPI STREQUAL "ON")
    message(FATAL_ERROR "TRENCHCOAT_MPI=ON but no MPI was found (Debian: apt-get install libopenmpi-dev openmpi-bin)")
  else()
    message(STATUS "trenchcoat: MPI training across processes: off (no MPI found; install libopenmpi-dev openmpi-bin "
                   "for `trenchcoat train --distributed`)")
  endif()
endif()
