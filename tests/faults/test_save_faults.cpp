// Saving over a good model file when the write fails: the old file stays as
// it was, byte for byte, no temporary file is left, the model is unchanged,
// and the call returns TDCM_ERR_IO naming the path.
//
// - Mid-write: a file-size limit (RLIMIT_FSIZE) below the new file's size
//   makes the kernel cut one write short and fail the next with EFBIG.
// - A full disk (ENOSPC) and a read-only file system (EROFS): two tmpfs
//   mounts, one of 256 kB that the test fills and one that it remounts
//   read-only, which tests/faults/in_small_fs.sh makes in a mount namespace
//   of its own (TDCM_TEST_SMALL_FS, TDCM_TEST_RO_FS). Without them both are
//   skipped, but for a read-only directory by permissions when not running as
//   root (root writes there regardless).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "capi/capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

std::string read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::set<std::string> entries(const std::string &dir) {
  std::set<std::string> names;
  for (const auto &e : std::filesystem::directory_iterator(dir)) {
    names.insert(e.path().filename().string());
  }
  return names;
}

// A small model (the previous file) and a larger one (the failing save).
struct Models {
  P1 data = make_p1(2);
  ModelPtr small = fitted("algo=kmeans k=3 n_init=1 seed=0 device=cpu threads=1", data);
  ModelPtr large =
      fitted("k=3 encoder=mlp hidden=160 embed_dim=16 seed=0 device=cpu threads=1", data);
};

// Saves `m.small` to `path`, then checks that a save of `m.large` over it,
// failing inside `fail_save`, keeps everything as it was.
template <typename FailingSave>
void expect_previous_file_kept(Models &m, const std::string &dir, const std::string &path,
                               FailingSave fail_save) {
  ASSERT_TRUE(m.small && m.large);
  ASSERT_EQ(tdcm_save(m.small.get(), path.c_str()), TDCM_OK) << tdcm_last_error();
  const std::string before = read_bytes(path);
  const std::set<std::string> names = entries(dir);
  const Output labels = assign(m.large.get(), m.data.target.data(), m.data.n, m.data.d);

  const tdcm_status status = fail_save();
  EXPECT_EQ(status, TDCM_ERR_IO) << tdcm_status_name(status);
  EXPECT_TRUE(contains(tdcm_last_error(), path)) << tdcm_last_error();
  EXPECT_EQ(read_bytes(path), before) << "the previous file changed";
  EXPECT_EQ(entries(dir), names) << "a temporary file was left behind";
  // The previous file still loads, and the model that failed to save is intact.
  tdcm_model *loaded = nullptr;
  EXPECT_EQ(tdcm_load(&loaded, path.c_str()), TDCM_OK) << tdcm_last_error();
  tdcm_destroy(loaded);
  EXPECT_TRUE(assign(m.large.get(), m.data.target.data(), m.data.n, m.data.d).same(labels));
}

TEST(SaveFaults, AWriteCutShortMidFileKeepsThePreviousFile) {
  Models m;
  TempDir dir;
  const std::string path = dir.file("m.tdcm");
  expect_previous_file_kept(m, dir.path(), path, [&] {
    // Past the limit, write() fails with EFBIG, and SIGXFSZ (ignored here)
    // would otherwise end the process.
    rlimit saved{};
    getrlimit(RLIMIT_FSIZE, &saved);
    rlimit small = saved;
    small.rlim_cur = 8192;  // the large model's file is some 100 kB
    struct sigaction ignore {
    }, old{};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, &old);
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
    const tdcm_status s = tdcm_save(m.large.get(), path.c_str());
    setrlimit(RLIMIT_FSIZE, &saved);
    sigaction(SIGXFSZ, &old, nullptr);
    return s;
  });
  EXPECT_TRUE(contains(tdcm_last_error(), "too large")) << tdcm_last_error();
}

const char *mounted(const char *variable) {
  const char *dir = std::getenv(variable);
  return dir != nullptr && *dir != '\0' ? dir : nullptr;
}

TEST(SaveFaults, AFullDiskKeepsThePreviousFile) {
  const char *fs = mounted("TDCM_TEST_SMALL_FS");
  if (fs == nullptr) GTEST_SKIP() << "needs TDCM_TEST_SMALL_FS (tests/faults/in_small_fs.sh)";
  Models m;
  const std::string dir = std::string(fs) + "/full";
  std::filesystem::create_directory(dir);
  const std::string path = dir + "/m.tdcm";
  expect_previous_file_kept(m, dir, path, [&] {
    // Fill the file system, so that the new file cannot be written whole.
    const std::string filler = std::string(fs) + "/filler";
    {
      std::ofstream out(filler, std::ios::binary);
      const std::string block(4096, 'x');
      while (out.write(block.data(), block.size())) {
      }
    }
    const tdcm_status s = tdcm_save(m.large.get(), path.c_str());
    std::filesystem::remove(filler);
    return s;
  });
  EXPECT_TRUE(contains(tdcm_last_error(), "No space left")) << tdcm_last_error();
}

TEST(SaveFaults, AReadOnlyDirectoryKeepsThePreviousFile) {
  const char *fs = mounted("TDCM_TEST_RO_FS");
  if (fs == nullptr && geteuid() == 0) {
    GTEST_SKIP() << "root writes into read-only directories: needs TDCM_TEST_RO_FS "
                    "(tests/faults/in_small_fs.sh)";
  }
  Models m;
  TempDir temp;
  const std::string dir = fs != nullptr ? std::string(fs) + "/models" : temp.file("ro");
  std::filesystem::create_directory(dir);
  const std::string path = dir + "/m.tdcm";
  expect_previous_file_kept(m, dir, path, [&] {
    // A read-only remount of the whole file system (EROFS), or, without one,
    // a directory without write permission (EACCES).
    const std::string remount = "mount -o remount,ro '" + std::string(fs ? fs : "") + "'";
    const bool ro =
        fs != nullptr ? std::system(remount.c_str()) == 0 : ::chmod(dir.c_str(), 0555) == 0;
    EXPECT_TRUE(ro);
    const tdcm_status s = tdcm_save(m.large.get(), path.c_str());
    if (fs == nullptr) ::chmod(dir.c_str(), 0755);
    return s;
  });
}

}  // namespace
