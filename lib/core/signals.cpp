#include "core/signals.hpp"

#include <signal.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

namespace dn {
namespace {

volatile std::sig_atomic_t received = 0;

//! Async-signal-safe: records the first signal; a second one restores the default action and
//! delivers itself again.
extern "C" void OnStopSignal(int signal) {
  if (received == 0) {
    received = signal;
    return;
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

void InstallStopHandlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // interrupted reads and writes continue
  for (int signal : {SIGINT, SIGTERM})
    if (::sigaction(signal, &action, nullptr) != 0)
      throw std::runtime_error("InstallStopHandlers(): sigaction failed: " +
                               std::string(std::strerror(errno)));
}

int StopSignal() { return received; }

std::string SignalName(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

}  // namespace dn
