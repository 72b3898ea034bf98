/* The C side of the binding benchmark (bench/bindings/run_bench.sh).
 *   bench_assign prepare MODEL THREADS    fit k-means k=10 on a small 16-D set, save it
 *   bench_assign run MODEL ROWS REPEATS   time tdcm_assign of ROWS x 16 rows, best of REPEATS
 * Every language's program does what `run` does, on the same rows (the same
 * tdcm_synth_drift call) with the same model file, and prints the same line:
 *   RESULT <seconds, best> <label checksum> */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tdcm/tdcm.h>
#include <time.h>

enum { K = 10, D = 16 };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void check(tdcm_status status, const char *what) {
  if (status != TDCM_OK) {
    fprintf(stderr, "%s failed: %s: %s\n", what, tdcm_status_name(status), tdcm_last_error());
    exit(1);
  }
}

static int prepare(const char *path, const char *threads) {
  enum { N_PER = 200, N = K * N_PER };
  static float x[N * D];
  char params[64];
  tdcm_model *model = NULL;
  snprintf(params, sizeof params, "algo=kmeans k=10 seed=0 threads=%d", atoi(threads));
  check(tdcm_synth_drift(K, D, N_PER, 1, 4.0, 0.5, x, NULL, NULL, NULL), "tdcm_synth_drift");
  check(tdcm_create(&model, params), "tdcm_create");
  check(tdcm_fit(model, x, N, D, NULL), "tdcm_fit");
  check(tdcm_save(model, path), "tdcm_save");
  tdcm_destroy(model);
  return 0;
}

static int run(const char *path, int64_t rows, int repeats) {
  const int64_t n_per = rows / K;
  const int64_t n = n_per * K;
  float *x = malloc((size_t)(n * D) * sizeof *x);
  int32_t *labels = malloc((size_t)n * sizeof *labels);
  tdcm_model *model = NULL;
  double best = 1e30;
  int64_t checksum = 0, i;
  int r;
  if (x == NULL || labels == NULL) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  check(tdcm_synth_drift(K, D, n_per, 7, 4.0, 0.5, NULL, NULL, x, NULL), "tdcm_synth_drift");
  check(tdcm_load(&model, path), "tdcm_load");
  check(tdcm_assign(model, x, n, D, labels, NULL), "tdcm_assign (warm-up)");
  for (r = 0; r < repeats; ++r) {
    const double t0 = now_s();
    check(tdcm_assign(model, x, n, D, labels, NULL), "tdcm_assign");
    const double t = now_s() - t0;
    if (t < best) best = t;
  }
  for (i = 0; i < n; ++i) checksum += (int64_t)labels[i] * (i % 7 + 1);
  printf("RESULT %.6f %lld\n", best, (long long)checksum);
  tdcm_destroy(model);
  free(labels);
  free(x);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "prepare") == 0) return prepare(argv[2], argv[3]);
  if (argc == 5 && strcmp(argv[1], "run") == 0) {
    return run(argv[2], strtoll(argv[3], NULL, 10), atoi(argv[4]));
  }
  fprintf(stderr, "usage: %s prepare MODEL THREADS | run MODEL ROWS REPEATS\n", argv[0]);
  return 2;
}
