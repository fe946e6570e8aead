#include "cli/console.hpp"

#include <boost/program_options/errors.hpp>
#include <chrono>
#include <iostream>
#include <thread>
#include <new>

#include "cli/command_line.hpp"
#include "core/memory.hpp"

namespace dn::cli {
namespace {

//! The message on one line: line breaks become spaces.
std::string OneLine(std::string message) {
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  return message.empty() ? "unknown error" : message;
}

int Report(const std::string& program, const std::string& message, int code) {
  std::cout.flush();
  std::cerr << program << ": error: " << OneLine(message)
            << (code == kExitUsage ? " (see --help)" : "") << std::endl;
  return code;
}

}  // namespace

void Console::Warning(const std::string& message) const {
  std::cerr << program_ << ": warning: " << OneLine(message) << std::endl;
}

void Console::Info(const std::string& message) const {
  if (verbose_) std::cerr << program_ << ": " << message << std::endl;
}

int RunMain(const std::string& program, const std::function<int()>& body, double reportDelay) {
  const auto Report = [&](const std::string& program, const std::string& message, int code) {
    if (reportDelay > 0) std::this_thread::sleep_for(std::chrono::duration<double>(reportDelay));
    return dn::cli::Report(program, message, code);
  };
  try {
    KeepFreedMemory();
    return body();
  } catch (const UsageError& e) {
    return Report(program, e.what(), kExitUsage);
  } catch (const boost::program_options::error& e) {
    return Report(program, e.what(), kExitUsage);
  } catch (const std::bad_alloc&) {
    return Report(program, "out of memory", kExitFailure);
  } catch (const std::exception& e) {
    return Report(program, e.what(), kExitFailure);
  } catch (...) {
    return Report(program, "unknown error", kExitFailure);
  }
}

}  // namespace dn::cli
