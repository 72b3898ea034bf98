// How an exception caught at the ABI boundary becomes a status and a message.
#pragma once

#include <exception>

#include "tdcm/tdcm.h"

namespace tdcm::capi {

// The status of `e`, with its message stored for tdcm_last_error() on this thread.
// Every extern "C" body ends in a catch (...) that returns this, so no exception
// crosses the ABI. Out of memory, on the CPU or on a GPU, is TDCM_ERR_OUT_OF_MEMORY.
tdcm_status status_of(std::exception_ptr e) noexcept;

}  // namespace tdcm::capi
