// Options with defaults taken from the library's option structs, comma-separated list options,
// and option values checked against the library's names (used by dn-bench): each problem throws
// UsageError naming the option.
#pragma once

#include <string>
#include <vector>

#include "cli/command_line.hpp"

namespace dn::cli {

//! "a,b,c" -> {a, b, c}, empty items dropped.
std::vector<std::string> SplitList(const std::string& text);

//! {a, b, c} -> "a,b,c" (the text of a list option's default).
std::string JoinList(const std::vector<std::string>& items);
std::string JoinList(const std::vector<std::size_t>& items);
std::string JoinList(const std::vector<Precision>& items);

//! Adds option --key taking a VALUE with no default (e.g. a path).
void AddValue(CommandLine& cli, const char* key, const char* value, const char* help);
//! Adds option --key with a default, shown in --help and run.ini.
void AddText(CommandLine& cli, const char* key, const std::string& fallback, const char* value,
             const char* help);
void AddCount(CommandLine& cli, const char* key, std::size_t fallback, const char* value,
              const char* help);
void AddReal(CommandLine& cli, const char* key, double fallback, const char* value,
             const char* help);

//! --key as a list of single and/or double.
std::vector<Precision> PrecisionList(const CommandLine& cli, const std::string& key);
//! --key as a list of positive integers.
std::vector<std::size_t> PositiveList(const CommandLine& cli, const std::string& key);
//! --key as a list of fractions in (0, 1].
std::vector<double> FractionList(const CommandLine& cli, const std::string& key);
//! {0.1, 0.5} -> "0.1,0.5".
std::string JoinList(const std::vector<double>& items);
//! --key: valid or circular.
Boundary BoundaryOption(const CommandLine& cli, const std::string& key);
//! `value` of --key when solver `value` exists and supports the boundary.
std::string SolverOption(const std::string& key, const std::string& value, Boundary boundary);

}  // namespace dn::cli
