#pragma once
// Context: everything a kernel call needs besides its operands — how many threads it
// may use (its own oneTBB arena), which ISA and which variant of each family to run,
// and reusable per-thread scratch memory (GEMM packing buffers). It is passed
// explicitly to every op; there are no hidden globals, so two Contexts with different
// thread counts can work side by side in one process.
//
// A Context is used by one calling thread at a time (the kernels it runs use many).

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "trenchcoat/kernels/isa.hpp"
#include "trenchcoat/kernels/registry.hpp"

namespace trenchcoat {

struct ContextOptions {
  // Threads the kernels may use; 0 means every core this process may run on.
  int threads = 0;
  // Highest ISA any default variant may use; unset means default_isa()
  // (TRENCHCOAT_ISA, else the CPU's best). Asking for one the CPU lacks throws.
  std::optional<Isa> isa;
};

class Context {
 public:
  explicit Context(ContextOptions options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int threads() const noexcept { return threads_; }
  Isa isa() const noexcept { return isa_; }

  // Variant choice per family: the default follows the registry's rule for isa();
  // select() picks another by name (throws for unknown names or unsupported ISAs).
  std::size_t variant_index(KernelFamily family) const noexcept {
    return selected_[static_cast<std::size_t>(family)];
  }
  std::string_view variant_name(KernelFamily family) const;
  void select(KernelFamily family, std::string_view variant_name);
  // Back to the default rule for every family.
  void select_defaults();

  // Runs `body` so that oneTBB algorithms inside it use this Context's threads, with
  // flush-to-zero / denormals-are-zero set on every participating thread. With one
  // thread it simply calls body() on the calling thread (no arena, no wake-ups).
  void run(const std::function<void()>& body);

  // Number of scratch slots: one per thread that can execute inside run().
  int scratch_slots() const noexcept;
  // The calling thread's slot (0 outside run() or with one thread).
  int current_slot() const noexcept;
  // 64-byte-aligned scratch of at least `floats` floats, owned by `slot`, one buffer
  // per `which` (0..kScratchBuffers-1). Contents are unspecified; the pointer stays
  // valid until the next call with the same slot and `which` asks for more.
  static constexpr int kScratchBuffers = 4;
  float* scratch(int slot, int which, std::size_t floats);

 private:
  struct Impl;
  int threads_;
  Isa isa_;
  std::array<std::size_t, kFamilyCount> selected_{};
  std::unique_ptr<Impl> impl_;
};

// Cores this process may run on (its CPU affinity mask), at least 1.
int available_cores() noexcept;

}  // namespace trenchcoat
