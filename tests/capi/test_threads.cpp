// The `threads` parameter bounds the BLAS too: LibTorch's own thread count does
// not reach a system OpenBLAS, whose pool would otherwise run on every core.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

// OpenBLAS's thread count as it reports it, or -1 without OpenBLAS.
int openblas_threads() {
  using GetFn = int (*)();
  void *blas = dlopen("libblas.so.3", RTLD_NOW | RTLD_NOLOAD);
  void *sym = blas != nullptr ? dlsym(blas, "openblas_get_num_threads") : nullptr;
  if (blas != nullptr) dlclose(blas);
  return sym != nullptr ? reinterpret_cast<GetFn>(sym)() : -1;
}

TEST(CapiThreads, ThreadsParameterSetsOpenBlasThreads) {
  const P1 data = make_p1(0);
  for (const int threads : {2, 1, 3}) {
    SCOPED_TRACE(threads);
    const std::string params =
        "algo=kmeans k=3 seed=0 device=cpu threads=" + std::to_string(threads);
    ModelPtr model = fitted(params.c_str(), data);
    ASSERT_TRUE(model);
    if (openblas_threads() < 0) GTEST_SKIP() << "the BLAS LibTorch calls is not OpenBLAS";
    EXPECT_EQ(openblas_threads(), threads);
    EXPECT_EQ(assign(model.get(), data.target.data(), data.n, data.d).status, TDCM_OK);
    EXPECT_EQ(openblas_threads(), threads);
  }
}

}  // namespace
