#include <fmt/format.h>

#include "cli_common.hpp"
#include "distributed_run.hpp"
#include "trenchcoat/nn/sharding.hpp"

namespace trenchcoat::cli {

void DistributedRun::check(const nn::TrainerConfig& config) const {
  if (config.strategy != nn::Strategy::data_parallel) {
    throw UsageError("--distributed trains data-parallel, not op-parallel (--strategy op, or a run saved op-parallel)");
  }
  const std::int64_t shards = nn::shard_count(config.batch_size);
  if (shards < ranks()) {
    throw UsageError(fmt::format("--batch {} makes {} shard{} (of up to {} rows), fewer than the {} ranks: use --batch {} "
                                 "or more",
                                 config.batch_size, shards, shards == 1 ? "" : "s", nn::kShardRows, ranks(),
                                 nn::kShardRows * (ranks() - 1) + 1));
  }
}

nn::ReduceMode parse_reduce_mode(const std::string& name) {
  if (name == "reproducible") return nn::ReduceMode::reproducible;
  if (name == "fast") return nn::ReduceMode::fast;
  throw UsageError("--reduce " + name + ": use reproducible or fast");
}

std::string reduce_mode_name(nn::ReduceMode mode) {
  return mode == nn::ReduceMode::fast ? "fast" : "reproducible";
}

}  // namespace trenchcoat::cli
