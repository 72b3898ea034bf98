// tdcm launch: start N ranks of a distributed command on this machine, on
// loopback, as torchrun does: each child gets --world-size, --rank, --master
// and --timeout; the launcher waits for all and fails when any fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/launch.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm launch -n N [--master HOST:PORT|file:PATH] [--timeout SECONDS]\n"
    "                   [--] COMMAND [OPTIONS]\n"
    "\n"
    "Start N ranks of a distributed COMMAND (fit or assign) on this machine, each\n"
    "as 'tdcm COMMAND OPTIONS --world-size N --rank R --master M --timeout T',\n"
    "and wait for all of them. Their output goes to this terminal. When a rank\n"
    "fails, the others fail on their own within the timeout (a peer that left);\n"
    "any still running 10 s after that are killed. Exits 0 when every rank\n"
    "succeeded, else with the status of the first rank that failed.\n"
    "\n"
    "Options:\n"
    "  -n, --nproc N          ranks to start (1 to 64)\n"
    "  --master ADDR          rendezvous (default: 127.0.0.1 and a free port)\n"
    "  --timeout SECONDS      the ranks' timeout (default 60)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Example:\n"
    "  tdcm launch -n 2 fit --input source.csv --model m.tdcm --params \"algo=kmeans k=5\"\n";

// A free TCP port on loopback: bound, read back and released (the rank that
// serves the store binds it again a moment later).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("launch: no socket for a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("launch: could not bind a loopback port");
  }
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

int64_t parse_count(const std::string &text, const char *what, int64_t lo, int64_t hi) {
  char *end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < lo || v > hi) {
    throw UsageError(std::string("launch: ") + what + " must be an integer in [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "], not '" + text + "'");
  }
  return v;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by ") + strsignal(WTERMSIG(status));
  return "stopped";
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

const Command &launch_command() {
  static const Command command{
      "launch", "start N local ranks of a distributed fit or assign", kUsage, {}, nullptr};
  return command;
}

int launch_main(const std::vector<std::string> &argv) {
  int64_t n = 0;
  int64_t timeout_s = 60;
  std::string master;
  size_t i = 0;
  auto value = [&](const std::string &option) {
    if (i + 1 >= argv.size()) throw UsageError("launch: " + option + " needs a value");
    return argv[++i];
  };
  for (; i < argv.size(); ++i) {
    const std::string &a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "-n" || a == "--nproc") {
      n = parse_count(value(a), "-n", 1, 64);
    } else if (a.rfind("--nproc=", 0) == 0) {
      n = parse_count(a.substr(8), "-n", 1, 64);
    } else if (a == "--master") {
      master = value(a);
    } else if (a.rfind("--master=", 0) == 0) {
      master = a.substr(9);
    } else if (a == "--timeout") {
      timeout_s = parse_count(value(a), "--timeout", 1, 86400);
    } else if (a.rfind("--timeout=", 0) == 0) {
      timeout_s = parse_count(a.substr(10), "--timeout", 1, 86400);
    } else if (a == "--") {
      ++i;
      break;
    } else if (a.rfind("-", 0) == 0) {
      throw UsageError("launch: unknown option '" + a + "'");
    } else {
      break;
    }
  }
  if (n == 0) throw UsageError("launch: -n N is required");
  if (i >= argv.size()) throw UsageError("launch: no command to start");
  const std::string command = argv[i];
  if (command != "fit" && command != "assign") {
    throw UsageError("launch: '" + command + "' is not a distributed command (fit or assign)");
  }
  for (size_t j = i; j < argv.size(); ++j) {
    for (const char *own : {"--world-size", "--rank", "--master", "--timeout"}) {
      if (argv[j].rfind(own, 0) == 0) {
        throw UsageError(std::string("launch: ") + own + " is set by the launcher");
      }
    }
  }
  if (master.empty()) master = "127.0.0.1:" + std::to_string(free_port());

  std::vector<pid_t> children;
  for (int64_t r = 0; r < n; ++r) {
    std::vector<std::string> args = {"tdcm"};
    args.insert(args.end(), argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
    for (const std::string &extra :
         {std::string("--world-size"), std::to_string(n), std::string("--rank"), std::to_string(r),
          std::string("--master"), master, std::string("--timeout"), std::to_string(timeout_s)}) {
      args.push_back(extra);
    }
    std::fflush(nullptr);
    const pid_t launcher = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
      for (pid_t c : children) kill(c, SIGKILL);
      throw std::runtime_error("launch: fork failed: " + std::string(std::strerror(errno)));
    }
    if (pid == 0) {
      // A rank does not outlive its launcher (killed, or timed out by a test).
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != launcher) _exit(127);
      std::vector<char *> cargs;
      for (std::string &s : args) cargs.push_back(s.data());
      cargs.push_back(nullptr);
      execv("/proc/self/exe", cargs.data());
      std::fprintf(stderr, "tdcm launch: could not start rank %lld: %s\n",
                   static_cast<long long>(r), std::strerror(errno));
      _exit(127);
    }
    children.push_back(pid);
  }

  // Wait for every rank; after the first failure the others get the timeout
  // (and a grace) to fail on their own, then are killed.
  int first_failure = -1;
  int result = 0;
  size_t running = children.size();
  std::vector<bool> done(children.size(), false);
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        for (size_t r = 0; r < children.size(); ++r) {
          if (!done[r]) {
            std::fprintf(stderr, "tdcm launch: rank %zu still running; killing it\n", r);
            kill(children[r], SIGKILL);
          }
        }
        deadline = std::chrono::steady_clock::time_point::max();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    for (size_t r = 0; r < children.size(); ++r) {
      if (children[r] != pid) continue;
      done[r] = true;
      --running;
      if (status != 0) {
        std::fprintf(stderr, "tdcm launch: rank %zu %s\n", r, describe(status).c_str());
        if (first_failure < 0) {
          first_failure = static_cast<int>(r);
          result = exit_code(status);
          deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s + 10);
        }
      }
    }
  }
  return result;
}

}  // namespace tdcm::cli
