#include "result_series.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>

#include "cli_common.hpp"

namespace trenchcoat::cli {
namespace {

using Json = nlohmann::json;

double to_seconds(double value, const std::string& unit) {
  if (unit == "ns") return value * 1e-9;
  if (unit == "us") return value * 1e-6;
  if (unit == "ms") return value * 1e-3;
  return value;
}

// Google Benchmark: per benchmark, the real time of every repetition (aggregates
// such as _mean are skipped: the samples are summarised here).
std::vector<Series> google_benchmark(const Json& doc) {
  std::map<std::string, Series> by_name;
  std::vector<std::string> order;
  for (const Json& b : doc.at("benchmarks")) {
    if (b.value("run_type", "iteration") != "iteration" || b.contains("error_occurred")) continue;
    const std::string name = b.value("run_name", b.at("name").get<std::string>());
    auto [it, fresh] = by_name.try_emplace(name, Series{name, "s", true, {}});
    if (fresh) order.push_back(name);
    it->second.samples.push_back(to_seconds(b.at("real_time").get<double>(), b.value("time_unit", "ns")));
  }
  std::vector<Series> out;
  out.reserve(order.size());
  for (const std::string& n : order) out.push_back(std::move(by_name[n]));
  return out;
}

std::vector<Series> train(const Json& doc) {
  Series seconds{"epoch seconds", "s", true, {}}, rate{"samples/s", "samples/s", false, {}};
  for (const Json& e : doc.at("epochs")) {
    if (!e.value("complete", true)) continue;
    seconds.samples.push_back(e.at("seconds").get<double>());
    if (e.contains("samples_per_second")) rate.samples.push_back(e.at("samples_per_second").get<double>());
  }
  std::vector<Series> out = {seconds};
  if (!rate.samples.empty()) out.push_back(rate);
  const Json& acc = doc.at("final").at("test_accuracy");
  if (acc.is_number()) out.push_back({"final test accuracy", "fraction", false, {acc.get<double>()}});
  return out;
}

std::vector<Series> samples_of(const Json& doc, const char* name_key, const std::string& prefix) {
  std::vector<Series> out;
  for (const Json& r : doc.at("results")) {
    const Json& key = r.at(name_key);
    const std::string name = prefix + (key.is_string() ? key.get<std::string>() : key.dump());
    out.push_back({name, "s", true, r.at("seconds").get<std::vector<double>>()});
  }
  return out;
}

std::vector<Series> peak(const Json& doc) {
  std::vector<Series> out;
  auto add = [&](const std::string& name, const char* unit, const Json& pair) {
    out.push_back({name + ", 1 core", unit, false, {pair.at("one_core").get<double>()}});
    out.push_back({name + ", all cores", unit, false, {pair.at("all_cores").get<double>()}});
  };
  for (const Json& c : doc.at("isas")) {
    const std::string isa = c.at("isa").get<std::string>();
    add("FMA " + isa, "GFLOP/s", c.at("fma_gflops"));
    add("L1 read " + isa, "GB/s", c.at("l1_gbps"));
    add("L2 read " + isa, "GB/s", c.at("l2_gbps"));
  }
  add("memory stream", "GB/s", doc.at("stream_gbps"));
  return out;
}

}  // namespace

std::vector<Series> result_series(const Json& doc, const std::string& what) {
  try {
    if (doc.is_object() && doc.contains("benchmarks")) return google_benchmark(doc);
    const std::string schema = doc.is_object() ? doc.value("schema", "") : "";
    if (schema == "trenchcoat-train-1") return train(doc);
    if (schema == "trenchcoat-compare-1") return samples_of(doc, "name", "");
    if (schema == "trenchcoat-scaling-1") return samples_of(doc, "threads", "threads:");
    if (schema == "trenchcoat-peak-1") return peak(doc);
  } catch (const Json::exception& e) {
    throw UsageError(fmt::format("{}: not a valid result file: {}", what, e.what()));
  }
  throw UsageError(fmt::format("{}: not a result file (neither Google Benchmark JSON nor a trenchcoat schema)", what));
}

std::vector<Series> read_result_series(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("{}: cannot read the file", path.string()));
  Json doc;
  try {
    doc = Json::parse(in);
  } catch (const Json::exception& e) {
    throw UsageError(fmt::format("{}: not JSON: {}", path.string(), e.what()));
  }
  return result_series(doc, path.string());
}

}  // namespace trenchcoat::cli
