/* libtdcm from C: train on a P1 source set, cluster its drifted target set,
 * print NMI / ARI / ACC.
 *
 *   cc main.c $(pkg-config --cflags --libs tdcm) -o tdcm_example
 *   ./tdcm_example ["k=5 algo=kmeans"]
 *
 * or with CMake: find_package(tdcm CONFIG) and link tdcm::tdcm (see
 * CMakeLists.txt next to this file). */
#include <stdio.h>
#include <stdlib.h>
#include <tdcm/tdcm.h>

/* Protocol P1: K clusters in D dimensions, N_PER rows each, spread 4, drift 0.5. */
enum { K = 5, D = 2, N_PER = 500, N = K * N_PER };

static float source_x[N * D], target_x[N * D];
static int32_t source_y[N], target_y[N], source_pred[N], target_pred[N];

static int check(tdcm_status status, const char *what) {
  if (status == TDCM_OK) return 1;
  fprintf(stderr, "%s failed: %s: %s\n", what, tdcm_status_name(status), tdcm_last_error());
  return 0;
}

static void print_scores(const char *name, const tdcm_metrics_result *m) {
  printf("%s: NMI %.4f  ARI %.4f  ACC %.4f\n", name, m->nmi, m->ari, m->acc);
}

int main(int argc, char **argv) {
  const char *params = argc > 1 ? argv[1] : "k=5 algo=kmeans";
  tdcm_model *model = NULL;
  tdcm_metrics_result source_scores, target_scores;
  int ok;

  printf("libtdcm %s from C, params \"%s\"\n", tdcm_version(), params);
  ok = check(tdcm_synth_drift(K, D, N_PER, 0, 4.0, 0.5, source_x, source_y, target_x, target_y),
             "tdcm_synth_drift") &&
       check(tdcm_create(&model, params), "tdcm_create") &&
       check(tdcm_fit(model, source_x, N, D, NULL), "tdcm_fit") &&
       check(tdcm_assign(model, source_x, N, D, source_pred, NULL), "tdcm_assign (source)") &&
       check(tdcm_assign(model, target_x, N, D, target_pred, NULL), "tdcm_assign (target)") &&
       check(tdcm_metrics(source_y, source_pred, N, &source_scores), "tdcm_metrics") &&
       check(tdcm_metrics(target_y, target_pred, N, &target_scores), "tdcm_metrics");
  if (ok) {
    print_scores("source", &source_scores);
    print_scores("target", &target_scores);
  }
  tdcm_destroy(model);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
