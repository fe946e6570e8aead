#include "cli/command_line.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/threads.hpp"
#include "solvers/csc_solver.hpp"

namespace dn::cli {
namespace {

std::string Option(const std::string& key) { return "--" + key; }

std::string AbsolutePath(const std::string& path) {
  if (path.empty()) return path;
  return std::filesystem::absolute(path).lexically_normal().string();
}

//! Appends " (note)" to a help text when a note is given.
std::string WithNote(const std::string& help, const std::string& note) {
  return note.empty() ? help : help + " (" + note + ")";
}

//! Breaks `text` into lines of at most `width` characters at spaces.
std::string Wrap(const std::string& text, std::size_t width) {
  std::istringstream words(text);
  std::string out, line, word;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

//! "%g" of a value, for defaults shown in --help.
std::string ShortNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

po::typed_value<bool>* OnOff() {
  return po::value<bool>()
      ->default_value(false, "false")
      ->implicit_value(true, "true")
      ->value_name("BOOL");
}

CommandLine::CommandLine(std::string program, std::string synopsis, std::string about)
    : program_(std::move(program)),
      synopsis_(std::move(synopsis)),
      about_(std::move(about)),
      options_("Options"),
      general_("General") {
  general_.add_options()("config", po::value<std::string>()->value_name("FILE"),
                         "read options from an INI file of 'key = value' lines with the long "
                         "option names (e.g. the run.ini of a run); the command line wins")(
      "verbose", OnOff(), "print more information")("help,h", "print this help and exit");
}

void CommandLine::MarkPaths(const std::vector<std::string>& keys) {
  paths_.insert(keys.begin(), keys.end());
}

void CommandLine::AddThreads() {
  Add()("threads", po::value<int>()->default_value(0)->value_name("N"),
        "worker threads, at most 1024; 0 uses all cores");
}

void CommandLine::AddPrecision(const std::string& note) {
  Add()("precision", po::value<std::string>()->default_value("single")->value_name("P"),
        WithNote("arithmetic: single or double", note).c_str());
}

void CommandLine::AddPlanner() {
  Add()("planner", po::value<std::string>()->default_value("estimate")->value_name("P"),
        "FFTW planning: estimate (plans at once) or measure (FFTW times candidate plans; "
        "results may then differ in the last bits between runs)")(
      "fftw-wisdom", po::value<std::string>()->value_name("FILE"),
      "FFTW wisdom cache: plans are taken from FILE when it exists (with either planner) and "
      "what planning learned is written back to it; off by default");
  paths_.insert("fftw-wisdom");
}

std::string CommandLine::Wisdom() const {
  return Has("fftw-wisdom") ? Get<std::string>("fftw-wisdom") : std::string();
}

void CommandLine::AddSolver(const std::string& note) {
  Add()("solver", po::value<std::string>()->default_value("auto")->value_name("S"),
        WithNote("sparse coding solver: auto (cd or admm, whichever the problem's boundary and "
                 "density at zero favour; fista for strided and pixel-mode layers), ista, "
                 "fista, admm or cd",
                 note)
            .c_str());
}

void CommandLine::AddBoundary(const std::string& note) {
  Add()("boundary", po::value<std::string>()->default_value("valid")->value_name("B"),
        WithNote("valid (maps larger than the image, nothing wraps) or circular (periodic)", note)
            .c_str());
}

void CommandLine::AddPreprocess(const std::string& note) {
  const PreprocessOptions d;
  const std::string method = WithNote(
      "preprocessing: none, highpass (subtract a Tikhonov lowpass) or lcn (local contrast "
      "normalisation)",
      note);
  Add()("preprocess", po::value<std::string>()->default_value("highpass")->value_name("M"),
        method.c_str());
  Add()("highpass-lambda",
        po::value<double>()
            ->default_value(d.highpassLambda, ShortNumber(d.highpassLambda))
            ->value_name("L"),
        "highpass: weight of the gradient penalty of the lowpass, > 0");
  Add()(
      "highpass-pad",
      po::value<long long>()->default_value(static_cast<long long>(d.highpassPad))->value_name("P"),
      "highpass: symmetric padding in pixels");
  Add()("lcn-sigma",
        po::value<double>()->default_value(d.lcnSigma, ShortNumber(d.lcnSigma))->value_name("S"),
        "lcn: standard deviation of the Gaussian window in pixels, > 0");
}

void CommandLine::AddColour(const std::string& note) {
  Add()(
      "colour", OnOff(),
      WithNote("read images in colour (RGB); without it they are converted to grey", note).c_str());
}

void CommandLine::AddIterations(long long fallback, const std::string& help) {
  Add()("iterations", po::value<long long>()->default_value(fallback)->value_name("N"),
        help.c_str());
}

void CommandLine::AddTolerance(double fallback, const std::string& help) {
  Add()("tolerance",
        po::value<double>()->default_value(fallback, ShortNumber(fallback))->value_name("T"),
        help.c_str());
}

void CommandLine::AddInputs(const std::string& help, int maxCount) {
  Add()("input", po::value<std::vector<std::string>>()->value_name("PATH"), help.c_str());
  positional_.add("input", -1);
  maxInputs_ = maxCount;
  paths_.insert("input");
}

std::string CommandLine::Help() const {
  std::ostringstream out;
  out << "Usage: " << program_ << " " << synopsis_ << "\n\n"
      << Wrap(about_, 80) << "\n\n"
      << options_ << "\n"
      << general_;
  return out.str();
}

bool CommandLine::Parse(int argc, const char* const argv[]) {
  po::options_description all;
  all.add(options_).add(general_);
  // Boost would take the token after a bare on/off option (e.g. an input) as its value, so
  // `--colour` becomes `--colour=true`.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string& arg : args) {
    if (arg == "--") break;
    if (arg.rfind("--", 0) != 0 || arg.find('=') != std::string::npos) continue;
    const po::option_description* option = all.find_nothrow(arg.substr(2), false);
    if (option && option->semantic()->min_tokens() == 0 && option->semantic()->max_tokens() == 1)
      arg += "=true";
  }
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  po::store(po::command_line_parser(args).options(all).positional(positional_).style(style).run(),
            vm_);
  if (vm_.count("help")) {
    std::cout << Help();
    return false;
  }
  if (vm_.count("config")) {
    const std::string file = vm_["config"].as<std::string>();
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read the config file " + file);
    try {
      po::store(po::parse_config_file(in, all, false), vm_);
    } catch (const po::error& e) {
      throw UsageError("config file " + file + ": " + e.what());
    }
  }
  po::notify(vm_);
  return true;
}

void CommandLine::Require(const std::string& key) const {
  if (!Has(key)) {
    if (key == "input") throw UsageError("an input is required");
    throw UsageError(Option(key) + " is required");
  }
}

void CommandLine::RequireOneOf(const std::string& a, const std::string& b) const {
  if (Has(a) == Has(b)) throw UsageError("give exactly one of " + Option(a) + " and " + Option(b));
}

std::size_t CommandLine::Positive(const std::string& key) const {
  const long long value = Get<long long>(key);
  if (value <= 0) throw UsageError(Option(key) + " must be positive");
  return static_cast<std::size_t>(value);
}

double CommandLine::NonNegativeReal(const std::string& key) const {
  const double value = Get<double>(key);
  if (!std::isfinite(value)) throw UsageError(Option(key) + " must be finite");
  if (value < 0) throw UsageError(Option(key) + " must be >= 0");
  return value;
}

double CommandLine::PositiveReal(const std::string& key) const {
  const double value = Get<double>(key);
  if (!std::isfinite(value)) throw UsageError(Option(key) + " must be finite");
  if (value <= 0) throw UsageError(Option(key) + " must be positive");
  return value;
}

std::uint64_t CommandLine::Seed(const std::string& key) const {
  const long long value = Get<long long>(key);
  if (value < 0) throw UsageError(Option(key) + " must be >= 0");
  return static_cast<std::uint64_t>(value);
}

int CommandLine::Threads() const {
  const int value = Get<int>("threads");
  if (value < 0) throw UsageError("--threads must be >= 0 (0 uses all cores)");
  // Far more threads than any machine has cores only exhausts memory (libgomp then crashes).
  if (value > kMaxThreads)
    throw UsageError("--threads must be at most " + std::to_string(kMaxThreads));
  return value;
}

Precision CommandLine::PrecisionOption() const {
  const std::string value = Get<std::string>("precision");
  if (value != "single" && value != "double")
    throw UsageError("--precision must be single or double, not '" + value + "'");
  return ParsePrecision(value);
}

PlannerEffort CommandLine::Planner() const {
  const std::string value = Get<std::string>("planner");
  if (value == "estimate") return PlannerEffort::Estimate;
  if (value == "measure") return PlannerEffort::Measure;
  throw UsageError("--planner must be estimate or measure, not '" + value + "'");
}

std::string CommandLine::Solver() const {
  const std::string value = Get<std::string>("solver");
  const std::vector<std::string> names = CscSolverNames();
  if (std::find(names.begin(), names.end(), value) == names.end()) {
    std::string list;
    for (std::size_t i = 0; i < names.size(); ++i)
      list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    throw UsageError("--solver must be " + list + ", not '" + value + "'");
  }
  return value;
}

Boundary CommandLine::BoundaryMode() const {
  const std::string value = Get<std::string>("boundary");
  if (value != "valid" && value != "circular")
    throw UsageError("--boundary must be valid or circular, not '" + value + "'");
  return ParseBoundary(value);
}

PreprocessOptions CommandLine::Preprocess() const {
  const std::string method = Get<std::string>("preprocess");
  if (method != "none" && method != "highpass" && method != "lcn")
    throw UsageError("--preprocess must be none, highpass or lcn, not '" + method + "'");
  PreprocessOptions options;
  options.method = ParsePreprocessMethod(method);
  options.highpassLambda = PositiveReal("highpass-lambda");
  const long long pad = Get<long long>("highpass-pad");
  if (pad < 0) throw UsageError("--highpass-pad must be >= 0");
  options.highpassPad = static_cast<std::size_t>(pad);
  options.lcnSigma = PositiveReal("lcn-sigma");
  try {
    options.Validate();
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("invalid preprocessing options: ") + e.what());
  }
  return options;
}

std::vector<std::string> CommandLine::Inputs() const {
  Require("input");
  const auto inputs = Get<std::vector<std::string>>("input");
  if (maxInputs_ >= 0 && inputs.size() > static_cast<std::size_t>(maxInputs_))
    throw UsageError("expected at most " + std::to_string(maxInputs_) + " input" +
                     (maxInputs_ == 1 ? "" : "s") + ", got " + std::to_string(inputs.size()));
  return inputs;
}

std::string CommandLine::ValueText(const std::string& key) const {
  const auto found = resolved_.find(key);
  if (found != resolved_.end()) return found->second;
  const boost::any& value = vm_[key].value();
  std::string text;
  if (const auto* s = boost::any_cast<std::string>(&value))
    text = *s;
  else if (const auto* d = boost::any_cast<double>(&value))
    text = NumberText(*d);
  else if (const auto* l = boost::any_cast<long long>(&value))
    text = std::to_string(*l);
  else if (const auto* i = boost::any_cast<int>(&value))
    text = std::to_string(*i);
  else if (const auto* b = boost::any_cast<bool>(&value))
    text = *b ? "true" : "false";
  else
    throw std::logic_error("CommandLine::ValueText(): unsupported type of --" + key);
  return paths_.count(key) ? AbsolutePath(text) : text;
}

std::vector<std::string> CommandLine::GivenKeys() const {
  std::vector<std::string> keys;
  for (const auto& option : options_.options())
    if (Given(option->long_name())) keys.push_back(option->long_name());
  return keys;
}

std::string CommandLine::ValueOf(const std::string& key) const {
  if (!Has(key) && resolved_.count(key) == 0) return "";
  if (key == "input" && resolved_.count(key) == 0) {
    std::string text;
    for (const std::string& input : Get<std::vector<std::string>>(key))
      text += (text.empty() ? "" : "\n") + AbsolutePath(input);
    return text;
  }
  return ValueText(key);
}

std::string CommandLine::ResolvedConfig() const {
  std::ostringstream out;
  out << "# Resolved configuration of " << program_ << "; replay with: " << program_
      << " --config run.ini\n";
  for (const auto& option : options_.options()) {
    const std::string key = option->long_name();
    if (!Has(key) && resolved_.count(key) == 0) {
      out << "# " << key << " = (not set)\n";
    } else if (resolved_.count(key) == 0 &&
               boost::any_cast<std::vector<std::string>>(&vm_[key].value())) {
      // A repeatable option (the inputs): one line per value.
      for (const std::string& value : Get<std::vector<std::string>>(key))
        out << key << " = " << (paths_.count(key) ? AbsolutePath(value) : value) << "\n";
    } else {
      out << key << " = " << ValueText(key) << "\n";
    }
  }
  out << "verbose = " << (Flag("verbose") ? "true" : "false") << "\n";
  return out.str();
}

void CommandLine::WriteResolvedConfig(const std::string& path) const {
  WriteTextFileAtomically(path, ResolvedConfig());
}

void AddTable(CommandLine& cli, const std::vector<TableOption>& table, const std::string& prefix,
              const std::string& helpPrefix) {
  for (const TableOption& option : table) {
    const std::string key = prefix + option.key, help = helpPrefix + option.help;
    using Type = TableOption::Type;
    if (option.type == Type::Count)
      cli.Add()(key.c_str(), po::value<long long>()->value_name(option.value), help.c_str());
    else if (option.type == Type::Real)
      cli.Add()(key.c_str(), po::value<double>()->value_name(option.value), help.c_str());
    else
      cli.Add()(key.c_str(), po::value<std::string>()->value_name(option.value), help.c_str());
  }
}

std::vector<std::pair<std::string, std::string>> TableValues(const CommandLine& cli,
                                                             const std::vector<TableOption>& table,
                                                             const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> values;
  for (const TableOption& option : table)
    if (cli.Has(prefix + option.key))
      values.emplace_back(option.key, cli.ValueOf(prefix + option.key));
  return values;
}

}  // namespace dn::cli
