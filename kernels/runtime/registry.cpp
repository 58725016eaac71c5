#include "trenchcoat/kernels/registry.hpp"

#include <string>

#include "trenchcoat/kernels/activation.hpp"
#include "trenchcoat/kernels/gemm.hpp"
#include "trenchcoat/kernels/loss.hpp"
#include "trenchcoat/kernels/softmax.hpp"

namespace trenchcoat {
namespace {

template <class V>
std::vector<VariantInfo> infos_of(std::span<const V> variants) {
  std::vector<VariantInfo> out;
  out.reserve(variants.size());
  for (const auto& v : variants) out.push_back(v.info);
  return out;
}

// One line per family: the only place that needs an edit when a family is added.
std::vector<FamilyListing> build_families() {
  std::vector<FamilyListing> families;
  families.push_back({KernelFamily::gemm, "gemm", infos_of(gemm_variants())});
  families.push_back({KernelFamily::eltwise, "eltwise", infos_of(eltwise_variants())});
  families.push_back({KernelFamily::softmax, "softmax", infos_of(softmax_variants())});
  families.push_back({KernelFamily::loss, "loss", infos_of(loss_variants())});
  return families;
}

}  // namespace

const std::vector<FamilyListing>& registered_families() {
  static const std::vector<FamilyListing> families = build_families();
  return families;
}

const FamilyListing& family_listing(KernelFamily family) {
  return registered_families().at(static_cast<std::size_t>(family));
}

std::size_t default_variant_index(std::span<const VariantInfo> variants, Isa max_isa) {
  std::size_t best = variants.size();
  auto better = [&](const VariantInfo& v) {
    if (best == variants.size()) return true;
    const VariantInfo& b = variants[best];
    if (b.reference != v.reference) return b.reference;  // any real kernel beats an oracle
    return static_cast<int>(v.isa) > static_cast<int>(b.isa);
  };
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const VariantInfo& v = variants[i];
    if (static_cast<int>(v.isa) > static_cast<int>(max_isa) || !cpu_supports(v.isa)) continue;
    if (better(v)) best = i;
  }
  if (best == variants.size()) throw std::logic_error("a kernel family has no runnable variant");
  return best;
}

std::size_t find_variant_index(std::string_view family, std::span<const VariantInfo> variants,
                               std::string_view name) {
  std::string names;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    if (variants[i].name == name) {
      if (!cpu_supports(variants[i].isa)) {
        throw std::invalid_argument(std::string(family) + " variant '" + std::string(name) +
                                    "' needs " + std::string(isa_name(variants[i].isa)) +
                                    ", which this CPU (" + cpu_model_name() + ") lacks");
      }
      return i;
    }
    names += (names.empty() ? "" : ", ") + std::string(variants[i].name);
  }
  throw std::invalid_argument("unknown " + std::string(family) + " variant '" + std::string(name) +
                              "' (available: " + names + ")");
}

}  // namespace trenchcoat
