// Fuzzes parse_model_spec: "<widths>\n<activation>" with the head chosen by the
// input's length. Any input must either parse into a spec that validates and can be
// described, or throw std::invalid_argument; nothing else (crash, other exception,
// sanitizer report) is allowed.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "trenchcoat/nn/layers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trenchcoat::nn;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view layers = input.substr(0, newline);
  const std::string_view activation =
      newline == std::string_view::npos ? std::string_view("relu") : input.substr(newline + 1);
  const Head head = size % 2 == 0 ? Head::softmax_cross_entropy : Head::mse;
  try {
    const ModelSpec spec = parse_model_spec(layers, activation, head);
    spec.validate();  // what the parser returns must satisfy its own contract
    if (spec.describe().empty() || spec.outputs() < 1 || !(spec == spec)) std::abort();
  } catch (const std::invalid_argument&) {
    // the documented way to refuse a spec
  }
  return 0;
}
