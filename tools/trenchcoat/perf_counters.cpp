#include "perf_counters.hpp"

#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

namespace trenchcoat::cli {
namespace {

struct Event {
  std::uint32_t type;
  std::uint64_t config;
};
constexpr std::array<Event, CounterValues::kCount> kEvents = {{
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},  // nanoseconds
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
}};

int open_with(Event event, bool exclude_kernel) {
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = event.type;
  attr.config = event.config;
  attr.inherit = 1;         // threads created later are counted too
  attr.exclude_kernel = exclude_kernel ? 1 : 0;
  attr.exclude_hv = 1;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  return static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0 /* this process */, -1 /* any cpu */, -1, 0));
}

// Hardware events count user code only (allowed at perf_event_paranoid 2, and the
// kernels are user code). A context switch happens in the kernel, so the software
// events include it where allowed and fall back to user-only (then it reads 0).
int open_counter(Event event) {
  if (event.type == PERF_TYPE_SOFTWARE) {
    const int fd = open_with(event, false);
    if (fd >= 0) return fd;
  }
  return open_with(event, true);
}

}  // namespace

nlohmann::ordered_json counters_json(const CounterValues& c, double calls, double wall_seconds, bool hardware) {
  using Json = nlohmann::ordered_json;
  const auto& [cycles, instructions, references, misses, task_ns, switches] = c.v;
  Json j;
  j["cycles"] = hardware ? Json(cycles / calls) : Json(nullptr);
  j["instructions"] = hardware ? Json(instructions / calls) : Json(nullptr);
  j["ipc"] = hardware && cycles > 0 ? Json(instructions / cycles) : Json(nullptr);
  j["cache_references"] = hardware ? Json(references / calls) : Json(nullptr);
  j["cache_misses"] = hardware ? Json(misses / calls) : Json(nullptr);
  j["cache_miss_rate"] = hardware && references > 0 ? Json(misses / references) : Json(nullptr);
  j["cpu_seconds"] = task_ns * 1e-9 / calls;
  j["parallelism"] = wall_seconds > 0 ? Json(task_ns * 1e-9 / wall_seconds) : Json(nullptr);
  j["context_switches"] = switches / calls;
  return j;
}

PerfCounters::PerfCounters() {
  fds_[4] = open_counter(kEvents[4]);
  fds_[5] = open_counter(kEvents[5]);
  fds_[0] = open_counter(kEvents[0]);
  if (fds_[0] < 0) {
    const int err = errno;
    why_ = fmt::format("hardware counters are not available here (perf_event_open: {}{}); carrying on without them",
                       std::generic_category().message(err),
                       err == ENOENT || err == EOPNOTSUPP ? ", no PMU exposed, as in many VMs"
                       : err == EACCES || err == EPERM    ? ", see /proc/sys/kernel/perf_event_paranoid"
                                                          : "");
    return;
  }
  for (std::size_t i = 1; i < 4; ++i) fds_[i] = open_counter(kEvents[i]);
}

PerfCounters::~PerfCounters() {
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

CounterValues PerfCounters::read() const {
  CounterValues c;
  for (std::size_t i = 0; i < fds_.size(); ++i) {
    if (fds_[i] < 0) continue;
    std::uint64_t data[3] = {0, 0, 0};  // value, time enabled, time running
    if (::read(fds_[i], data, sizeof data) != static_cast<ssize_t>(sizeof data) || data[2] == 0) continue;
    c.v[i] = static_cast<double>(data[0]) * static_cast<double>(data[1]) / static_cast<double>(data[2]);
  }
  return c;
}

}  // namespace trenchcoat::cli
