// Progress report of tdcm_fit() on stderr: a redrawn one-line bar on a
// terminal, a bounded number of plain lines otherwise.
#pragma once

#include <tdcm/tdcm.h>

#include <cstdio>

namespace tdcm::cli {

class FitProgress {
 public:
  // Draws a bar when `stream` is a terminal, plain lines otherwise.
  explicit FitProgress(std::FILE *stream);
  ~FitProgress();

  FitProgress(const FitProgress &) = delete;
  FitProgress &operator=(const FitProgress &) = delete;

  // Install on a model with tdcm_set_progress_callback(model, callback, this).
  static int callback(const tdcm_progress *progress, void *user_data);

  // Ends the bar's line, if one was drawn.
  void finish();

 private:
  void report(const tdcm_progress &p);
  void draw_bar(const tdcm_progress &p);
  void print_line(const tdcm_progress &p);

  std::FILE *stream_;
  bool tty_;
  bool bar_open_ = false;
  double last_draw_s_ = -1.0;
};

}  // namespace tdcm::cli
