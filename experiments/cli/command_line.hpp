// Command-line handling shared by the executables: option groups, parsing (command line, then an
// INI file given with --config, then defaults), validation with messages naming the option, and
// the resolved configuration written as run.ini.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/precision.hpp"
#include "core/types.hpp"
#include "fft/fft.hpp"
#include "preprocess/preprocess.hpp"
#include "serialize/json.hpp"

namespace dn::cli {

namespace po = boost::program_options;

//! A bad command line: unknown option, invalid value, missing required option. Exit code 2.
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

//! Runs `check` (e.g. a library options struct's Validate()) and turns the
//! std::invalid_argument it throws into a UsageError.
template <typename Check>
void AsUsageError(Check&& check) {
  try {
    check();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

//! The value of an on/off option, false by default: `--key` alone means true, and `--key=false`
//! (also no, off, 0) overrides `key = true` in a --config file. run.ini records true or false.
po::typed_value<bool>* OnOff();

class CommandLine {
public:
  //! `synopsis` follows the program name in the usage line; `about` is one paragraph.
  CommandLine(std::string program, std::string synopsis, std::string about);

  const std::string& Program() const { return program_; }

  //! Adds options of this program. Long names are also the keys of the --config file.
  po::options_description_easy_init Add() { return options_.add_options(); }
  //! Options whose values are paths: run.ini records them as absolute paths.
  void MarkPaths(const std::vector<std::string>& keys);

  // Shared option groups.
  void AddThreads();                                //!< --threads (0 = all cores)
  void AddPrecision(const std::string& note = "");  //!< --precision single|double (single)
  //! --planner estimate|measure (estimate), --fftw-wisdom FILE
  void AddPlanner();
  void AddSolver(const std::string& note = "");    //!< --solver ista|fista|admm (fista)
  void AddBoundary(const std::string& note = "");  //!< --boundary valid|circular (valid)
  //! --preprocess none|highpass|lcn (highpass), --highpass-lambda, --highpass-pad, --lcn-sigma
  void AddPreprocess(const std::string& note = "");
  void AddColour(const std::string& note = "");  //!< --colour[=BOOL] (false)
  void AddIterations(long long fallback, const std::string& help);
  void AddTolerance(double fallback, const std::string& help);
  //! Positional arguments, also accepted as repeated `input = ...` keys (at most maxCount, -1
  //! for any number).
  void AddInputs(const std::string& help, int maxCount);

  //! Parses the command line and the --config file (the command line wins; unknown keys in
  //! either are a po::error). Returns false after printing --help to stdout.
  bool Parse(int argc, const char* const argv[]);

  //! True when the option has a value (given or defaulted).
  bool Has(const std::string& key) const { return vm_.count(key) != 0; }
  //! True when the option was given on the command line or in the config file.
  bool Given(const std::string& key) const { return Has(key) && !vm_[key].defaulted(); }
  template <typename T>
  T Get(const std::string& key) const {
    return vm_[key].as<T>();
  }
  //! Throws UsageError "--key is required" unless the option has a value.
  void Require(const std::string& key) const;
  //! Throws UsageError unless exactly one of the two options has a value.
  void RequireOneOf(const std::string& a, const std::string& b) const;

  // Validated values; every problem throws UsageError naming the option.
  std::size_t Positive(const std::string& key) const;  //!< integer > 0
  double NonNegativeReal(const std::string& key) const;
  double PositiveReal(const std::string& key) const;
  std::uint64_t Seed(const std::string& key) const;  //!< integer >= 0
  int Threads() const;
  dn::Precision PrecisionOption() const;
  PlannerEffort Planner() const;
  //! The --fftw-wisdom file, or "" without one.
  std::string Wisdom() const;
  std::string Solver() const;
  Boundary BoundaryMode() const;
  PreprocessOptions Preprocess() const;
  bool Flag(const std::string& key) const { return Has(key) && Get<bool>(key); }
  std::vector<std::string> Inputs() const;

  //! The program's options given on the command line or in the config file, in --help order.
  std::vector<std::string> GivenKeys() const;
  //! The value of `key` as run.ini records it ("" when it has none; the inputs one per line).
  std::string ValueOf(const std::string& key) const;

  //! Records the value used for `key` when it was resolved elsewhere (e.g. from a model).
  void Resolve(const std::string& key, const std::string& value) { resolved_[key] = value; }
  //! The resolved configuration as INI text: every option with its final value, in --help
  //! order; options without a value appear as comments. `--config` of it replays the run.
  std::string ResolvedConfig() const;
  //! Writes ResolvedConfig() to `path` atomically.
  void WriteResolvedConfig(const std::string& path) const;

private:
  //! The --help text: usage, about, every option with its default.
  std::string Help() const;
  std::string ValueText(const std::string& key) const;

  std::string program_, synopsis_, about_;
  po::options_description options_;  //!< the program's options
  po::options_description general_;  //!< --config, --verbose, --help
  po::positional_options_description positional_;
  std::set<std::string> paths_;
  std::map<std::string, std::string> resolved_;
  po::variables_map vm_;
  int maxInputs_ = 0;
};

//! An option of a family declared from a table (e.g. dn-learn's layerN.*): no default.
struct TableOption {
  enum class Type { Count, Real, Text };  //!< long long, double, string
  const char* key;
  Type type;
  const char* value;  //!< the value's name in --help
  const char* help;
};

//! Adds --<prefix><key> for every option of `table`, its help preceded by `helpPrefix`.
void AddTable(CommandLine& cli, const std::vector<TableOption>& table, const std::string& prefix,
              const std::string& helpPrefix);
//! The (key, value) of every option of `table` that --<prefix><key> has a value for, in the
//! table's order, the values as run.ini records them.
std::vector<std::pair<std::string, std::string>> TableValues(const CommandLine& cli,
                                                             const std::vector<TableOption>& table,
                                                             const std::string& prefix);

}  // namespace dn::cli
