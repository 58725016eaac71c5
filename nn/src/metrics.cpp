#include "trenchcoat/nn/metrics.hpp"

#include <charconv>
#include <cmath>

namespace trenchcoat::nn {
namespace {

// Shortest round-trip decimal form; JSON has no NaN or Inf, so those become null.
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : "null";
}

class JsonObject {
 public:
  JsonObject& field(const char* name, const std::string& json_value) {
    out_ += (out_.size() > 1 ? ", \"" : "\"") + std::string(name) + "\": " + json_value;
    return *this;
  }
  JsonObject& field(const char* name, double v) { return field(name, number(v)); }
  JsonObject& field(const char* name, std::int64_t v) { return field(name, std::to_string(v)); }
  JsonObject& field(const char* name, bool v) { return field(name, std::string(v ? "true" : "false")); }
  std::string str() const { return out_ + "}"; }

 private:
  std::string out_ = "{";
};

}  // namespace

std::string to_json(const EpochMetrics& m) {
  return JsonObject()
      .field("epoch", m.epoch)
      .field("steps", m.steps)
      .field("samples", m.samples)
      .field("loss", m.loss)
      .field("accuracy", m.accuracy)
      .field("learning_rate", m.learning_rate)
      .field("seconds", m.seconds)
      .field("complete", m.complete)
      .field("stopped", m.stopped)
      .str();
}

std::string to_json(const EvalMetrics& m) {
  return JsonObject().field("samples", m.samples).field("loss", m.loss).field("accuracy", m.accuracy).str();
}

}  // namespace trenchcoat::nn
