#include "trenchcoat/nn/mpi_exchange.hpp"

#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace trenchcoat::nn {
namespace {

// Message tags: one per kind of message, so a stray message of one kind can never
// be taken for another.
constexpr int kTagGradient = 1;

std::string error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return {text, static_cast<std::size_t>(length)};
}

// MPI_COMM_WORLD returns errors instead of aborting (see MpiSession()), so every
// call is checked here and turned into an exception naming what failed.
void check(int code, const char* call, int peer = -1) {
  if (code == MPI_SUCCESS) return;
  std::string what = std::string(call) + " failed";
  if (peer >= 0) what += " (peer rank " + std::to_string(peer) + ")";
  throw std::runtime_error(what + ": " + error_text(code));
}

int message_count(std::size_t elements) {
  if (elements > static_cast<std::size_t>(INT_MAX)) {
    throw std::runtime_error("a message of " + std::to_string(elements) + " elements is too large for MPI");
  }
  return static_cast<int>(elements);
}

class MpiGradientExchange final : public GradientExchange {
 public:
  MpiGradientExchange(const MpiSession& session, ReduceMode mode)
      : rank_(session.rank()), ranks_(session.ranks()), mode_(mode) {}

  int rank() const noexcept override { return rank_; }
  int ranks() const noexcept override { return ranks_; }
  ReduceMode mode() const noexcept override { return mode_; }

  void share_stats(std::span<ShardStats> all) override {
    const auto shards = static_cast<std::int64_t>(all.size());
    const std::vector<ShardRange> split =
        mode_ == ReduceMode::reproducible ? tree_cut(shards, ranks_) : even_split(shards, ranks_);
    counts_.resize(static_cast<std::size_t>(ranks_));
    offsets_.resize(static_cast<std::size_t>(ranks_));
    constexpr auto kBytes = static_cast<std::int64_t>(sizeof(ShardStats));
    for (int r = 0; r < ranks_; ++r) {
      const ShardRange s = split[static_cast<std::size_t>(r)];
      counts_[static_cast<std::size_t>(r)] = message_count(static_cast<std::size_t>(s.size() * kBytes));
      offsets_[static_cast<std::size_t>(r)] = message_count(static_cast<std::size_t>(s.begin * kBytes));
    }
    // Each rank's entries are already in place in `all`: MPI_IN_PLACE gathers the
    // others' around them. ShardStats is trivially copyable and every rank runs the
    // same binary, so its bytes travel as they are.
    check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all.data(), counts_.data(), offsets_.data(), MPI_BYTE,
                         MPI_COMM_WORLD),
          "MPI_Allgatherv (shard statistics)");
  }

  void combine_gradient(std::span<float> gradient, std::int64_t shards) override {
    const int count = message_count(gradient.size());
    if (ranks_ == 1) return;
    if (mode_ == ReduceMode::fast) {
      check(MPI_Allreduce(MPI_IN_PLACE, gradient.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
            "MPI_Allreduce (gradient)");
      return;
    }
    // The sharding tree above the ranks' nodes: each merge adds the right node's sum
    // (from its owner) to the left node's (kept by its owner), in the order
    // tree_merges() lists them, which a rank follows for its own part.
    const std::vector<ShardRange> cut = tree_cut(shards, ranks_);
    incoming_.resize(gradient.size());
    for (const TreeMerge& m : tree_merges(shards, cut)) {
      if (m.to == rank_) {
        check(MPI_Recv(incoming_.data(), count, MPI_FLOAT, m.from, kTagGradient, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
              "MPI_Recv (gradient)", m.from);
        // left + right, as sharding.cpp adds a right subtree to a left one.
        for (std::size_t i = 0; i < gradient.size(); ++i) gradient[i] += incoming_[i];
      } else if (m.from == rank_) {
        check(MPI_Send(gradient.data(), count, MPI_FLOAT, m.to, kTagGradient, MPI_COMM_WORLD), "MPI_Send (gradient)",
              m.to);
      }
    }
    // Rank 0 holds the whole sum; a copy is exact, so every rank then updates the
    // same parameters with the same numbers.
    check(MPI_Bcast(gradient.data(), count, MPI_FLOAT, 0, MPI_COMM_WORLD), "MPI_Bcast (gradient)");
  }

  // Overlap. fast: one MPI_Iallreduce per segment. reproducible: a rank posts the
  // receives of its merges at once, and a rank whose part of the tree is a single
  // send (a leaf: it merges nothing in) sends the segment at once; the adds, the
  // sends of ranks that must add first, and the broadcast wait for end_combines().
  // Messages of segment k carry tag kTagGradient + 1 + k, so no segment's data is
  // taken for another's.
  void begin_combine(std::span<float> segment, std::int64_t shards) override {
    if (ranks_ == 1) return;
    const int count = message_count(segment.size());
    Pending p{segment, {}, {}, buffers_used_};
    if (mode_ == ReduceMode::fast) {
      p.requests.emplace_back();
      check(MPI_Iallreduce(MPI_IN_PLACE, segment.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                           &p.requests.back()),
            "MPI_Iallreduce (gradient)");
      pending_.push_back(std::move(p));
      return;
    }
    const int tag = kTagGradient + 1 + static_cast<int>(pending_.size());
    p.merges = tree_merges(shards, tree_cut(shards, ranks_));
    bool receives = false;
    for (const TreeMerge& m : p.merges) {
      if (m.to != rank_) continue;
      receives = true;
      // The buffers are kept from step to step; every step asks for the same sizes.
      if (buffers_.size() <= buffers_used_) buffers_.emplace_back();
      std::vector<float>& buffer = buffers_[buffers_used_++];
      buffer.resize(segment.size());
      p.requests.emplace_back();
      check(MPI_Irecv(buffer.data(), count, MPI_FLOAT, m.from, tag, MPI_COMM_WORLD, &p.requests.back()),
            "MPI_Irecv (gradient)", m.from);
    }
    if (!receives) {
      for (const TreeMerge& m : p.merges) {
        if (m.from != rank_) continue;
        p.requests.emplace_back();
        check(MPI_Isend(segment.data(), count, MPI_FLOAT, m.to, tag, MPI_COMM_WORLD, &p.requests.back()),
              "MPI_Isend (gradient)", m.to);
      }
      p.merges.clear();  // nothing left for end_combines() but waiting
    }
    pending_.push_back(std::move(p));
  }

  void end_combines() override {
    for (std::size_t k = 0; k < pending_.size(); ++k) {
      Pending& p = pending_[k];
      check(MPI_Waitall(static_cast<int>(p.requests.size()), p.requests.data(), MPI_STATUSES_IGNORE),
            "MPI_Waitall (gradient)");
      // This rank's merges in tree order: the children's sums in (left + right, as
      // in combine_gradient()), then its own out.
      std::size_t buffer = p.first_buffer;
      for (const TreeMerge& m : p.merges) {
        if (m.to == rank_) {
          const std::vector<float>& in = buffers_[buffer++];
          for (std::size_t i = 0; i < p.segment.size(); ++i) p.segment[i] += in[i];
        } else if (m.from == rank_) {
          check(MPI_Send(p.segment.data(), message_count(p.segment.size()), MPI_FLOAT, m.to,
                         kTagGradient + 1 + static_cast<int>(k), MPI_COMM_WORLD),
                "MPI_Send (gradient)", m.to);
        }
      }
    }
    if (mode_ == ReduceMode::reproducible) {
      // Rank 0 now holds every segment's whole sum.
      for (const Pending& p : pending_) {
        check(MPI_Bcast(p.segment.data(), message_count(p.segment.size()), MPI_FLOAT, 0, MPI_COMM_WORLD),
              "MPI_Bcast (gradient)");
      }
    }
    pending_.clear();
    buffers_used_ = 0;
  }

  bool any(bool local) override {
    int flag = local ? 1 : 0;
    check(MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce (stop flag)");
    return flag != 0;
  }

 private:
  int rank_, ranks_;
  ReduceMode mode_;
  std::vector<int> counts_, offsets_;
  std::vector<float> incoming_;

  // Segments begun and not yet ended.
  struct Pending {
    std::span<float> segment;
    std::vector<TreeMerge> merges;      // this rank's part still to do (reproducible)
    std::vector<MPI_Request> requests;  // receives (or a leaf's send, or the Iallreduce)
    std::size_t first_buffer = 0;       // its receives land in buffers_[first_buffer...]
  };
  std::vector<Pending> pending_;
  std::vector<std::vector<float>> buffers_;  // receive buffers, one per receive of a step
  std::size_t buffers_used_ = 0;
};

}  // namespace

MpiSession::MpiSession() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized != 0) throw std::logic_error("MPI is already initialised in this process");
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  // Errors come back as codes (turned into exceptions by check()) instead of MPI's
  // default of aborting without saying which call of ours failed.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (provided < MPI_THREAD_SERIALIZED) {
    std::fprintf(stderr, "trenchcoat: this MPI library does not support calls from more than one thread\n");
    abort(1);
  }
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &ranks_), "MPI_Comm_size");
}

MpiSession::~MpiSession() { MPI_Finalize(); }

std::vector<int> MpiSession::all_gather(int value) const {
  std::vector<int> all(static_cast<std::size_t>(ranks_));
  check(MPI_Allgather(&value, 1, MPI_INT, all.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  return all;
}

void MpiSession::barrier() const { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

void MpiSession::abort(int status) const noexcept {
  MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);  // MPI_Abort does not return; this only satisfies [[noreturn]]
}

std::unique_ptr<GradientExchange> make_mpi_exchange(const MpiSession& session, ReduceMode mode) {
  return std::make_unique<MpiGradientExchange>(session, mode);
}

}  // namespace trenchcoat::nn
