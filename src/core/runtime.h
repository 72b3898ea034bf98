// Where and how a model computes: device resolution and thread count.
#pragma once

#include <ATen/ATen.h>

#include <string>

namespace tdcm {

// Resolves "auto" | "cpu" | "cuda" | "cuda:N" to a device this process has.
// Throws Error(TDCM_ERR_DEVICE) when CUDA is asked for and not available.
c10::Device resolve_device(const std::string &name);

// Canonical device name, e.g. "cpu" or "cuda:0".
std::string device_name(const c10::Device &device);

enum class Work { Training, Inference };

// Sets LibTorch's intra-op thread count for the calling thread's work.
// threads > 0 is used as given. threads == 0 ("auto") trains on one thread,
// because a training step's mini-batch ops are too small to split (measured:
// 2 threads gained nothing on P1 epochs on 2 cores), and runs inference and
// k-means on all cores. LibTorch builds start on one thread. When the BLAS
// LibTorch calls is OpenBLAS, an OpenMP build gets the same count and a pthreads
// build one thread (its own pool would compete with LibTorch's). Per process.
void apply_threads(int64_t threads, Work work);

// A symbol of the BLAS that LibTorch calls (e.g. "sgemm_"), or null where the
// process has none visible (a BLAS linked into LibTorch with hidden symbols).
void *blas_symbol(const char *name);

// A symbol of oneDNN (e.g. "dnnl_sgemm") where LibTorch brought it into the
// process as a library of its own (Debian's LibTorch links libdnnl.so.2), or
// null (the torch wheels link it in with hidden symbols).
void *dnnl_symbol(const char *name);

// Copies a tensor (any device) into a caller's buffer of matching size and dtype.
void copy_to_buffer(const at::Tensor &src, void *dst);

}  // namespace tdcm
