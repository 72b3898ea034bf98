#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace tdcm::cli {

namespace {

constexpr int kBarWidth = 20;
constexpr int kMaxPlainLines = 20;
constexpr double kRedrawInterval_s = 0.1;

// "m:ss", or "h:mm:ss" from an hour on.
std::string format_duration(double seconds) {
  const long total = std::lround(std::max(0.0, seconds));
  const long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[32];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", m, s);
  }
  return buf;
}

}  // namespace

FitProgress::FitProgress(std::FILE *stream) : stream_(stream), tty_(isatty(fileno(stream)) != 0) {}

FitProgress::~FitProgress() { finish(); }

int FitProgress::callback(const tdcm_progress *progress, void *user_data) {
  if (progress != nullptr && user_data != nullptr) {
    static_cast<FitProgress *>(user_data)->report(*progress);
  }
  return 0;
}

void FitProgress::finish() {
  if (bar_open_) {
    std::fputc('\n', stream_);
    std::fflush(stream_);
    bar_open_ = false;
  }
}

void FitProgress::report(const tdcm_progress &p) {
  if (tty_) {
    draw_bar(p);
  } else {
    print_line(p);
  }
}

void FitProgress::draw_bar(const tdcm_progress &p) {
  const bool last = p.epoch >= p.epochs;
  if (!last && last_draw_s_ >= 0.0 && p.elapsed_s - last_draw_s_ < kRedrawInterval_s) return;
  last_draw_s_ = p.elapsed_s;
  const double fraction =
      p.epochs > 0 ? std::min(1.0, static_cast<double>(p.epoch) / p.epochs) : 1.0;
  const int filled = static_cast<int>(fraction * kBarWidth);
  const std::string bar =
      std::string(static_cast<size_t>(filled), '#') + std::string(kBarWidth - filled, '.');
  const double eta = p.epoch > 0 ? p.elapsed_s / p.epoch * (p.epochs - p.epoch) : 0.0;
  // "\033[K" clears what a longer earlier line left behind.
  std::fprintf(stream_, "\r[%s] epoch %d/%d loss %.4f (clu %.4f bal %.4f orth %.4f) %s %s\033[K",
               bar.c_str(), p.epoch, p.epochs, p.loss, p.loss_clu, p.loss_bal, p.loss_orth,
               last ? "time" : "ETA", format_duration(last ? p.elapsed_s : eta).c_str());
  std::fflush(stream_);
  bar_open_ = true;
}

void FitProgress::print_line(const tdcm_progress &p) {
  const int step = std::max(1, (p.epochs + kMaxPlainLines - 1) / kMaxPlainLines);
  if (p.epoch % step != 0 && p.epoch < p.epochs) return;
  std::fprintf(stream_, "epoch %d/%d loss=%.4f clu=%.4f bal=%.4f orth=%.4f elapsed=%.1fs\n",
               p.epoch, p.epochs, p.loss, p.loss_clu, p.loss_bal, p.loss_orth, p.elapsed_s);
  std::fflush(stream_);
}

}  // namespace tdcm::cli
