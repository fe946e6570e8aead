#include "cli/list_options.hpp"

#include <sstream>

#include "solvers/csc_solver.hpp"

namespace dn::cli {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

std::vector<Precision> PrecisionList(const CommandLine& cli, const std::string& key) {
  std::vector<Precision> list;
  for (const std::string& p : SplitList(cli.Get<std::string>(key))) {
    if (p != "single" && p != "double")
      throw UsageError("--" + key + " must list single and/or double, not '" + p + "'");
    list.push_back(ParsePrecision(p));
  }
  if (list.empty()) throw UsageError("--" + key + " is empty");
  return list;
}

std::vector<std::size_t> PositiveList(const CommandLine& cli, const std::string& key) {
  std::vector<std::size_t> values;
  for (const std::string& item : SplitList(cli.Get<std::string>(key))) {
    if (item.size() > 9 || item.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(item) == 0)
      throw UsageError("--" + key + " must list positive integers, not '" + item + "'");
    values.push_back(std::stoul(item));
  }
  if (values.empty()) throw UsageError("--" + key + " is empty");
  return values;
}

Boundary BoundaryOption(const CommandLine& cli, const std::string& key) {
  const std::string value = cli.Get<std::string>(key);
  if (value != "valid" && value != "circular")
    throw UsageError("--" + key + " must be valid or circular, not '" + value + "'");
  return ParseBoundary(value);
}

std::string SolverOption(const std::string& key, const std::string& value, Boundary boundary) {
  try {
    CheckSolverSupports(value, boundary);
  } catch (const std::invalid_argument& e) {
    throw UsageError("--" + key + ": " + e.what());
  }
  return value;
}

}  // namespace dn::cli
