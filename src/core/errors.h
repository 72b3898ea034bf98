// The one exception type of the core: a status code for the C API plus a message.
#pragma once

#include <stdexcept>
#include <string>

#include "tdcm/tdcm.h"

namespace tdcm {

class Error : public std::runtime_error {
 public:
  Error(tdcm_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  tdcm_status status() const noexcept { return status_; }

 private:
  tdcm_status status_;
};

[[noreturn]] inline void fail(tdcm_status status, const std::string &message) {
  throw Error(status, message);
}

}  // namespace tdcm
