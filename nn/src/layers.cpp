#include "trenchcoat/nn/layers.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

namespace trenchcoat::nn {
namespace {

[[noreturn]] void bad_spec(const std::string& what) { throw std::invalid_argument("model spec: " + what); }

// Strings here are built by appending: GCC 12 at -O3 misreports `"x" + std::string`
// temporaries under -Wrestrict (a known false positive).
std::string quoted(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

// A well-formed size: decimal digits only (no sign, no spaces), 1..kMaxUnits.
std::int64_t parse_width(std::string_view spec, std::string_view part, std::size_t index, std::size_t count) {
  const std::string where = "layer spec " + quoted(spec) + ": width " + std::to_string(index + 1) + " of " +
                            std::to_string(count);
  if (part.empty()) bad_spec(where + " is empty (expected widths like \"784-128-10\")");
  for (char c : part) {
    if (c < '0' || c > '9') bad_spec(where + " (" + quoted(part) + ") is not a positive whole number");
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
  if (ec != std::errc() || end != part.data() + part.size() || value > kMaxUnits) {
    bad_spec(where + " (" + std::string(part) + ") exceeds the limit of " + std::to_string(kMaxUnits));
  }
  if (value == 0) bad_spec(where + " is zero; every layer needs at least one unit");
  return value;
}

bool is_relu_family(Activation a) {
  return a == Activation::relu || a == Activation::leaky_relu || a == Activation::gelu ||
         a == Activation::softplus;
}

}  // namespace

bool operator==(const LayerSpec& a, const LayerSpec& b) noexcept {
  if (a.kind != b.kind) return false;
  if (a.kind == LayerKind::dense) return a.units == b.units && a.init == b.init;
  if (a.activation.kind != b.activation.kind) return false;
  // The slope only means something for leaky_relu; compare its bits there so that a
  // checkpoint round trip is judged exactly.
  return a.activation.kind != Activation::leaky_relu ||
         std::bit_cast<std::uint32_t>(a.activation.slope) == std::bit_cast<std::uint32_t>(b.activation.slope);
}

bool operator==(const ModelSpec& a, const ModelSpec& b) noexcept {
  return a.inputs == b.inputs && a.head == b.head && a.layers == b.layers;
}

std::int64_t ModelSpec::width_after(std::ptrdiff_t layer) const {
  std::int64_t width = inputs;
  for (std::ptrdiff_t i = 0; i <= layer && i < static_cast<std::ptrdiff_t>(layers.size()); ++i) {
    if (layers[static_cast<std::size_t>(i)].kind == LayerKind::dense) width = layers[static_cast<std::size_t>(i)].units;
  }
  return width;
}

void ModelSpec::validate() const {
  if (inputs < 1 || inputs > kMaxUnits) {
    bad_spec("input width " + std::to_string(inputs) + " is outside 1.." + std::to_string(kMaxUnits));
  }
  if (layers.empty()) bad_spec("the model has no layers");
  if (layers.size() > kMaxLayers) {
    bad_spec(std::to_string(layers.size()) + " layers exceed the limit of " + std::to_string(kMaxLayers));
  }
  bool any_dense = false;
  std::int64_t width = inputs;
  std::int64_t parameters = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const LayerSpec& l = layers[i];
    const std::string where = "layer " + std::to_string(i);
    if (l.kind == LayerKind::dense) {
      if (l.units < 1 || l.units > kMaxUnits) {
        bad_spec(where + " (dense) has " + std::to_string(l.units) + " units; expected 1.." +
                 std::to_string(kMaxUnits));
      }
      if (l.init != Init::he_normal && l.init != Init::xavier_uniform) {
        bad_spec(where + " has an unknown init (" + std::to_string(static_cast<int>(l.init)) + ")");
      }
      // width, units <= 2^24, so (width + 1) * units fits easily in 64 bits.
      parameters += (width + 1) * l.units;
      if (parameters > kMaxParameters) {
        bad_spec("the model needs more than " + std::to_string(kMaxParameters) + " parameters (at " + where + ")");
      }
      width = l.units;
      any_dense = true;
    } else if (l.kind == LayerKind::activation) {
      bool known = false;
      for (Activation a : kAllActivations) known = known || a == l.activation.kind;
      if (!known) {
        bad_spec(where + " has an unknown activation (" + std::to_string(static_cast<int>(l.activation.kind)) + ")");
      }
      if (!std::isfinite(l.activation.slope)) {
        bad_spec(where + " (" + std::string(activation_name(l.activation.kind)) + ") has a slope that is not finite");
      }
    } else {
      bad_spec(where + " has an unknown kind");
    }
  }
  if (!any_dense) bad_spec("the model has no dense layer, so nothing to train");
  if (head != Head::softmax_cross_entropy && head != Head::mse) bad_spec("unknown head");
  if (head == Head::softmax_cross_entropy && width < 2) {
    bad_spec("a softmax_cross_entropy head needs at least 2 outputs (classes), not " + std::to_string(width));
  }
}

std::string ModelSpec::describe() const {
  // The compact form when it is one: Dense, act, Dense, act, ..., Dense, with the
  // same activation everywhere and each Dense initialised as parse_model_spec does.
  bool compact = !layers.empty() && layers.size() % 2 == 1;
  const Activation hidden = layers.size() > 1 ? layers[1].activation.kind : Activation::relu;
  const float slope = layers.size() > 1 ? layers[1].activation.slope : 0.01f;
  for (std::size_t i = 0; compact && i < layers.size(); ++i) {
    const LayerSpec& l = layers[i];
    if (i % 2 == 0) {
      compact = l.kind == LayerKind::dense && l.init == default_init(hidden);
    } else {
      compact = l.kind == LayerKind::activation && l.activation.kind == hidden &&
                (hidden != Activation::leaky_relu || l.activation.slope == slope);
    }
  }
  std::string out = std::to_string(inputs);
  auto slope_suffix = [&out](float v) {
    out += '(';
    out += std::to_string(v);
    out += ')';
  };
  if (compact) {
    for (std::size_t i = 0; i < layers.size(); i += 2) {
      out += '-';
      out += std::to_string(layers[i].units);
    }
    out += ' ';
    out += activation_name(hidden);
    if (hidden == Activation::leaky_relu && slope != 0.01f) slope_suffix(slope);
  } else {
    for (const LayerSpec& l : layers) {
      if (l.kind == LayerKind::dense) {
        out += " dense:";
        out += std::to_string(l.units);
        out += ':';
        out += init_name(l.init);
      } else {
        out += ' ';
        out += activation_name(l.activation.kind);
        if (l.activation.kind == Activation::leaky_relu) slope_suffix(l.activation.slope);
      }
    }
  }
  out += ' ';
  out += head_name(head);
  return out;
}

Init default_init(Activation hidden) noexcept {
  return is_relu_family(hidden) ? Init::he_normal : Init::xavier_uniform;
}

ModelSpec parse_model_spec(std::string_view layers, std::string_view activation, Head head) {
  Activation act{};
  try {
    act = parse_activation(activation);
  } catch (const std::invalid_argument& e) {
    bad_spec(std::string("activation ") + quoted(activation) + ": " + e.what());
  }
  if (layers.empty()) bad_spec("the layer spec is empty (expected widths like \"784-128-10\")");
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t dash = layers.find('-', start);
    parts.push_back(layers.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() < 2) {
    bad_spec("layer spec " + quoted(layers) +
             " needs at least an input and an output width separated by '-' (like \"784-10\")");
  }
  if (parts.size() - 1 > kMaxLayers / 2) bad_spec("layer spec " + quoted(layers) + " has too many layers");
  std::vector<std::int64_t> widths;
  for (std::size_t i = 0; i < parts.size(); ++i) widths.push_back(parse_width(layers, parts[i], i, parts.size()));

  ModelSpec spec;
  spec.inputs = widths.front();
  spec.head = head;
  const Init init = default_init(act);
  for (std::size_t i = 1; i < widths.size(); ++i) {
    spec.layers.push_back(LayerSpec::dense(widths[i], init));
    if (i + 1 < widths.size()) spec.layers.push_back(LayerSpec::act(act));
  }
  spec.validate();
  return spec;
}

std::string_view head_name(Head h) noexcept {
  switch (h) {
    case Head::softmax_cross_entropy: return "softmax_cross_entropy";
    case Head::mse: return "mse";
  }
  return "unknown";
}

Head parse_head(std::string_view name) {
  if (name == "softmax_cross_entropy") return Head::softmax_cross_entropy;
  if (name == "mse") return Head::mse;
  throw std::invalid_argument("unknown head " + quoted(name) + " (available: softmax_cross_entropy, mse)");
}

std::string_view init_name(Init i) noexcept {
  switch (i) {
    case Init::he_normal: return "he_normal";
    case Init::xavier_uniform: return "xavier_uniform";
  }
  return "unknown";
}

Init parse_init(std::string_view name) {
  if (name == "he_normal") return Init::he_normal;
  if (name == "xavier_uniform") return Init::xavier_uniform;
  throw std::invalid_argument("unknown init " + quoted(name) + " (available: he_normal, xavier_uniform)");
}

}  // namespace trenchcoat::nn
