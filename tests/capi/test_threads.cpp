// The `threads` parameter reaches the BLAS too: LibTorch's own thread count does
// not, and a pthreads OpenBLAS left to itself runs a second pool on every core.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

// Calls OpenBLAS's `name` (an int() function); -1 without OpenBLAS.
int openblas_query(const char *name) {
  using QueryFn = int (*)();
  void *blas = dlopen("libblas.so.3", RTLD_NOW | RTLD_NOLOAD);
  void *sym = blas != nullptr ? dlsym(blas, name) : nullptr;
  if (blas != nullptr) dlclose(blas);
  return sym != nullptr ? reinterpret_cast<QueryFn>(sym)() : -1;
}

TEST(CapiThreads, ThreadsParameterSetsOpenBlasThreads) {
  const P1 data = make_p1(0);
  for (const int threads : {2, 1, 3}) {
    SCOPED_TRACE(threads);
    const std::string params =
        "algo=kmeans k=3 seed=0 device=cpu threads=" + std::to_string(threads);
    ModelPtr model = fitted(params.c_str(), data);
    ASSERT_TRUE(model);
    if (openblas_query("openblas_get_num_threads") < 0) {
      GTEST_SKIP() << "the BLAS LibTorch calls is not OpenBLAS";
    }
    // An OpenMP OpenBLAS shares LibTorch's pool; a pthreads one runs on the
    // calling thread, beside LibTorch's pool rather than competing with it.
    const int expected = openblas_query("openblas_get_parallel") == 2 ? threads : 1;
    EXPECT_EQ(openblas_query("openblas_get_num_threads"), expected);
    EXPECT_EQ(assign(model.get(), data.target.data(), data.n, data.d).status, TDCM_OK);
    EXPECT_EQ(openblas_query("openblas_get_num_threads"), expected);
  }
}

}  // namespace
