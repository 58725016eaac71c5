// `train --distributed` in a build without MPI: a usage error that says how to get it.

#include "cli_common.hpp"
#include "distributed_run.hpp"

namespace trenchcoat::cli {

bool mpi_built_in() noexcept { return false; }

int run_distributed(const std::string& /*reduce*/, const std::function<int(DistributedRun&)>& /*train*/) {
  throw UsageError(
      "--distributed: this trenchcoat was built without MPI (install libopenmpi-dev openmpi-bin and reconfigure)");
}

}  // namespace trenchcoat::cli
