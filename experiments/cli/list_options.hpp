// Comma-separated list options and option values checked against the library's names (used by
// dn-bench): each problem throws UsageError naming the option.
#pragma once

#include <string>
#include <vector>

#include "cli/command_line.hpp"

namespace dn::cli {

//! "a,b,c" -> {a, b, c}, empty items dropped.
std::vector<std::string> SplitList(const std::string& text);

//! {a, b, c} -> "a,b,c", each item written by text(item) (a list option's default).
template <typename List, typename Text>
std::string JoinList(const List& items, Text&& text) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + std::string(text(item));
  return out;
}

//! --key as a list of single and/or double.
std::vector<Precision> PrecisionList(const CommandLine& cli, const std::string& key);
//! --key as a list of positive integers.
std::vector<std::size_t> PositiveList(const CommandLine& cli, const std::string& key);
//! --key: valid or circular.
Boundary BoundaryOption(const CommandLine& cli, const std::string& key);
//! `value` of --key when solver `value` exists and supports the boundary.
std::string SolverOption(const std::string& key, const std::string& value, Boundary boundary);

}  // namespace dn::cli
