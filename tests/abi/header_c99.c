/* Compiled with -std=c99 -pedantic -Werror by ctest: the public header is strict C. */
#include <tdcm/tdcm.h>

int main(void) {
  tdcm_model *model = 0;
  tdcm_status status = tdcm_create(&model, "k=2");
  tdcm_destroy(model);
  return status == TDCM_OK ? 0 : 1;
}
