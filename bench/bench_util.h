// Shared helpers of the benchmark programs: timing, statistics, run facts.
#pragma once

#include <tdcm/tdcm.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bench {

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds of the whole process (all threads): on a shared machine, where wall time
// depends on the other processes, this is the cost the work itself had.
inline double cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

[[noreturn]] inline void die(const std::string &what) {
  std::fprintf(stderr, "error: %s: %s\n", what.c_str(), tdcm_last_error());
  std::exit(1);
}

inline void check(tdcm_status s, const std::string &what) {
  if (s != TDCM_OK) die(what);
}

// Mean and population std of a series, "0.873±0.041".
inline std::string mean_std(const std::vector<double> &v, int decimals = 3) {
  if (v.empty()) return "–";
  double m = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - m) * (x - m);
  const double sd = std::sqrt(var / static_cast<double>(v.size()));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f±%.*f", decimals, m, decimals, sd);
  return buf;
}

inline double mean(const std::vector<double> &v) {
  double m = 0;
  for (double x : v) m += x;
  return v.empty() ? NAN : m / static_cast<double>(v.size());
}

// The BLAS libraries mapped into this process (LibTorch calls libblas.so.3,
// which Debian's alternatives point at OpenBLAS or the reference BLAS).
inline std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> libs;
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("blas") != std::string::npos || path.find("mkl") != std::string::npos) {
      libs.insert(path);
    }
  }
  std::string out;
  for (const auto &l : libs) out += (out.empty() ? "" : ", ") + l;
  return out.empty() ? "none found" : out;
}

inline std::string cpu_model() {
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

inline void print_run_facts(tdcm_model *model) {
  const char *device = "?";
  tdcm_get_device(model, &device);
  std::printf("# libtdcm %s | device %s | %s, %u cores | BLAS: %s\n", tdcm_version(), device,
              cpu_model().c_str(), std::thread::hardware_concurrency(), loaded_blas().c_str());
}

// "2,3,5,10" -> {2,3,5,10}
inline std::vector<int64_t> parse_list(const std::string &text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoll(item));
  return out;
}

}  // namespace bench
