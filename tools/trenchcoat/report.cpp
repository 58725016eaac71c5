#include "report.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>

#include "build_info.hpp"
#include "trenchcoat/kernels/isa.hpp"

namespace trenchcoat::cli {

nlohmann::ordered_json machine_json(const Context& ctx) {
  nlohmann::ordered_json m;
  m["cpu"] = cpu_model_name();
  m["best_isa"] = std::string(isa_name(cpu_best_isa()));
  m["isa"] = std::string(isa_name(ctx.isa()));
  m["gemm_variant"] = std::string(ctx.variant_name(KernelFamily::gemm));
  m["threads"] = ctx.threads();
  m["cores"] = available_cores();
  m["compiler"] = compiler_description();
  m["flags"] = compile_flags();
  return m;
}

std::string utc_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

nlohmann::ordered_json confusion_json(const Confusion& c) {
  nlohmann::ordered_json j;
  j["classes"] = c.classes;
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  nlohmann::ordered_json acc = nlohmann::ordered_json::array();
  for (std::int32_t t = 0; t < c.classes; ++t) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (std::int32_t p = 0; p < c.classes; ++p) row.push_back(c.at(t, p));
    rows.push_back(std::move(row));
    const double a = c.class_accuracy(t);
    acc.push_back(std::isfinite(a) ? nlohmann::ordered_json(a) : nlohmann::ordered_json(nullptr));
  }
  j["matrix"] = std::move(rows);
  j["class_accuracy"] = std::move(acc);
  return j;
}

std::string percent(double fraction) {
  return std::isfinite(fraction) ? fmt::format("{:.2f}%", 100.0 * fraction) : std::string("-");
}

}  // namespace trenchcoat::cli
