# Sanitizer and fuzzing builds, each in a build tree of its own (see
# SECURITY.md and `./run.sh hardening`):
#   -DTDCM_SANITIZE=address,undefined   ASan + UBSan over the library and its C/C++ tests
#   -DTDCM_SANITIZE=thread              ThreadSanitizer
#   -DTDCM_BUILD_FUZZERS=ON             the libFuzzer targets under fuzz/ (clang only)
# LibTorch itself is Debian's uninstrumented build: the sanitizers see our code
# and every allocation (ASan intercepts malloc), not LibTorch's own accesses.
set(TDCM_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined or thread")
option(TDCM_BUILD_FUZZERS "Build the libFuzzer targets under fuzz/ (needs clang)" OFF)

# A sanitizer's runtime is linked into executables, not into shared libraries,
# so only the plain build links libtdcm.so with --no-undefined.
set(TDCM_LINK_NO_UNDEFINED -Wl,--no-undefined)
if(TDCM_SANITIZE)
  set(TDCM_LINK_NO_UNDEFINED "")
  # -fno-sanitize-recover: a UBSan report aborts the process, so the test fails
  # instead of printing and carrying on.
  add_compile_options(-fsanitize=${TDCM_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${TDCM_SANITIZE})
endif()

# The sanitizers' run-time options, for every test of a sanitizer build:
# - allocator_may_return_null, max_allocation_size_mb: an allocation too large
#   to serve fails as it does without ASan (LibTorch throws, the C API returns
#   TDCM_ERR_OUT_OF_MEMORY) instead of ASan ending the process; no test needs
#   4 GB at once, so a regression that allocates a declared size fails fast;
# - detect_leaks: LeakSanitizer checks every test process at exit;
# - a UBSan report prints its stack before the process aborts.
# - ThreadSanitizer stops at its first report.
# Reports name functions and lines through llvm-symbolizer (Debian's llvm-14).
set(TDCM_SANITIZER_ENV "")
if(TDCM_SANITIZE)
  find_program(TDCM_LLVM_SYMBOLIZER NAMES llvm-symbolizer llvm-symbolizer-14
               PATHS /usr/lib/llvm-14/bin)
  set(_symbolizer "")
  if(TDCM_LLVM_SYMBOLIZER)
    set(_symbolizer ":external_symbolizer_path=${TDCM_LLVM_SYMBOLIZER}")
  endif()
  set(TDCM_SANITIZER_ENV
    "ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=4096:detect_leaks=1${_symbolizer}"
    "UBSAN_OPTIONS=print_stacktrace=1${_symbolizer}"
    "TSAN_OPTIONS=halt_on_error=1${_symbolizer}")
endif()

if(TDCM_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TDCM_BUILD_FUZZERS needs clang (libFuzzer): configure with "
                        "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage feedback from the library as well as from the fuzz targets; the
  # fuzz targets alone link libFuzzer's main (fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
