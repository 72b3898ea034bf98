// A fresh directory for a test, removed with everything in it when the object dies.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace tdcm_testing {

class TempDir {
 public:
  TempDir() {
    std::string templ = ::testing::TempDir() + "tdcm_test_XXXXXX";
    const char *made = mkdtemp(templ.data());
    EXPECT_NE(made, nullptr) << templ;
    path_ = made != nullptr ? made : templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace tdcm_testing
