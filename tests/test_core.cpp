// Tests of lib/core: stop signals, saved-state names and accessors, checksums, the allocator's
// settings.
#define BOOST_TEST_MODULE core
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "core/checksum.hpp"
#include "core/memory.hpp"
#include "core/saved_state.hpp"
#include "core/signals.hpp"

using namespace dn;

BOOST_AUTO_TEST_SUITE(core)

// In a child process: the first SIGTERM is only recorded, a following SIGINT ends the process as
// SIGINT's default action would.
BOOST_AUTO_TEST_CASE(first_stop_signal_is_recorded_the_second_ends_the_process) {
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    InstallStopHandlers();
    if (StopSignal() != 0) ::_exit(10);
    std::raise(SIGTERM);
    if (StopSignal() != SIGTERM) ::_exit(11);
    std::raise(SIGINT);
    ::_exit(12);  // not reached: the second signal ends the process
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) BOOST_TEST(WTERMSIG(status) == SIGINT);
  if (WIFEXITED(status)) BOOST_ERROR("child exited with " << WEXITSTATUS(status));
  BOOST_TEST(SignalName(SIGINT) == "SIGINT");
  BOOST_TEST(SignalName(SIGTERM) == "SIGTERM");
}

BOOST_AUTO_TEST_CASE(saved_state_names_and_accessors) {
  for (const char* good : {"x", "image/12/x", "a.b-c_d/E"}) BOOST_TEST(IsValidStateName(good));
  for (const char* bad : {"", "/x", "x/", "a//b", "../x", "a/./b", "a b", "a\\b", "é"})
    BOOST_TEST(!IsValidStateName(bad), "'" << bad << "'");

  SavedState<float> part;
  part.Put("x", arma::fcube(2, 3, 4, arma::fill::ones));
  part.Put("r", arma::fmat(5, 2, arma::fill::zeros));
  part.Put("z", arma::cx_fmat(3, 3, arma::fill::zeros));
  part.Put("n", 7.0);
  SavedState<float> whole;
  whole.Insert("image/0", part);
  whole.Put("n", 2.5);
  BOOST_TEST(whole.Size() == 5u);
  BOOST_TEST(whole.Has("image/0/x"));
  const SavedState<float> back = whole.Extract("image/0");
  BOOST_TEST(back.Size() == part.Size());
  BOOST_TEST(back.Count("n") == 7u);
  BOOST_TEST(back.arrays.at("r").n_slices == 1u);  // a matrix is kept as a 1-slice cube
  BOOST_TEST(back.complexArrays.at("z").n_rows == 3u);
  BOOST_CHECK_THROW(whole.Count("n"), std::runtime_error);  // 2.5 is not a count
  BOOST_CHECK_THROW(whole.Number("image/0"), std::runtime_error);
  BOOST_CHECK_THROW(whole.Put("a/../b", 1.0), std::invalid_argument);
  BOOST_TEST(whole.Extract("image/1").Size() == 0u);
  BOOST_TEST(whole.Extract("image").Size() == 4u);
}

BOOST_AUTO_TEST_CASE(checksum_is_fnv1a) {
  // Reference values of 64-bit FNV-1a.
  BOOST_TEST(Checksum("", 0) == 0xcbf29ce484222325ull);
  BOOST_TEST(Checksum("a", 1) == 0xaf63dc4c8601ec8cull);
  BOOST_TEST(Checksum("foobar", 6) == 0x85944171f73967e8ull);
  BOOST_TEST(Checksum("bar", 3, Checksum("foo", 3)) == Checksum("foobar", 6));
  BOOST_TEST(ChecksumText(0x85944171f73967e8ull) == "fnv1a64:85944171f73967e8");
  BOOST_CHECK_THROW(FileChecksum("/nonexistent/file"), std::runtime_error);
}

namespace {
//! Minor page faults of this process so far.
long MinorFaults() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

//! Allocates `bytes`, writes every page, frees them.
void TouchAndFree(std::size_t bytes) {
  volatile char* block = static_cast<volatile char*>(std::malloc(bytes));
  BOOST_REQUIRE(block != nullptr);
  for (std::size_t i = 0; i < bytes; i += 4096) block[i] = 1;
  std::free(const_cast<char*>(block));
}
}  // namespace

// AddressSanitizer replaces the C library's allocator, whose settings then do not apply: the test
// is skipped in the sanitizer build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kLibraryAllocator = false;
#else
constexpr bool kLibraryAllocator = true;
#endif

// In a child process (the settings are process-wide): once the allocator keeps freed memory, a
// block of 16 MiB freed and taken again reuses its pages instead of faulting in 4096 new ones.
BOOST_AUTO_TEST_CASE(freed_memory_is_kept_for_reuse,
                     *boost::unit_test::enable_if<kLibraryAllocator>()) {
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    if (!KeepFreedMemory()) ::_exit(2);
    constexpr std::size_t kBytes = 16u << 20;
    TouchAndFree(kBytes);
    const long before = MinorFaults();
    TouchAndFree(kBytes);
    ::_exit(MinorFaults() - before < 100 ? 0 : 1);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) != 2, "the allocator refused the settings");
  BOOST_TEST(WEXITSTATUS(status) == 0, "the second block faulted its pages in again");
}

BOOST_AUTO_TEST_SUITE_END()
