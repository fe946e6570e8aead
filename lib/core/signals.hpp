// Graceful stops on SIGINT (Ctrl-C) and SIGTERM: the first such signal only records itself, for a
// long computation to notice between iterations (then save its state and exit); a second one,
// of either kind, ends the process at once, as the default action would.
#pragma once

#include <string>

namespace dn {

//! Installs the handlers of SIGINT and SIGTERM (again: no effect). Throws std::runtime_error if
//! the system refuses.
void InstallStopHandlers();

//! The first stop signal received since InstallStopHandlers() (SIGINT or SIGTERM), or 0.
int StopSignal();

//! "SIGINT", "SIGTERM", or "signal N".
std::string SignalName(int signal);

}  // namespace dn
