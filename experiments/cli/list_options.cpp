#include "cli/list_options.hpp"

#include <exception>
#include <limits>
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

namespace {

template <typename List, typename Text>
std::string Join(const List& items, Text&& text) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + text(item);
  return out;
}

}  // namespace

std::string JoinList(const std::vector<std::string>& items) {
  return Join(items, [](const std::string& item) { return item; });
}

std::string JoinList(const std::vector<std::size_t>& items) {
  return Join(items, [](std::size_t item) { return std::to_string(item); });
}

std::string JoinList(const std::vector<Precision>& items) {
  return Join(items, [](Precision item) { return ToString(item); });
}

void AddValue(CommandLine& cli, const char* key, const char* value, const char* help) {
  cli.Add()(key, po::value<std::string>()->value_name(value), help);
}

void AddText(CommandLine& cli, const char* key, const std::string& fallback, const char* value,
             const char* help) {
  cli.Add()(key, po::value<std::string>()->default_value(fallback)->value_name(value), help);
}

void AddCount(CommandLine& cli, const char* key, std::size_t fallback, const char* value,
              const char* help) {
  cli.Add()(
      key,
      po::value<long long>()->default_value(static_cast<long long>(fallback))->value_name(value),
      help);
}

void AddReal(CommandLine& cli, const char* key, double fallback, const char* value,
             const char* help) {
  cli.Add()(key,
            po::value<double>()->default_value(fallback, NumberText(fallback))->value_name(value),
            help);
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

std::vector<double> FractionList(const CommandLine& cli, const std::string& key) {
  std::vector<double> values;
  for (const std::string& item : SplitList(cli.Get<std::string>(key))) {
    std::size_t used = 0;
    double value = std::numeric_limits<double>::quiet_NaN();
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !(value > 0.0 && value <= 1.0))
      throw UsageError("--" + key + " must list fractions in (0, 1], not '" + item + "'");
    values.push_back(value);
  }
  if (values.empty()) throw UsageError("--" + key + " is empty");
  return values;
}

std::string JoinList(const std::vector<double>& items) {
  std::vector<std::string> texts;
  for (double item : items) {
    std::ostringstream text;
    text << item;
    texts.push_back(text.str());
  }
  return JoinList(texts);
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
