#include "serialize/checkpoint.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/checksum.hpp"
#include "core/precision.hpp"
#include "io/npy.hpp"
#include "parallel/communicator.hpp"

namespace dn {
namespace {

namespace fs = std::filesystem;

const char* const kManifest = "manifest.ini";
const char* const kStateDirectory = "state";
const char* const kFilesDirectory = "files";
const char* const kTemporaryPrefix = ".tmp-";

//! The shortest text that reads back as exactly `value`; whole numbers below 2^53 as integers.
std::string Exact(double value) {
  char text[32];
  if (std::floor(value) == value && std::abs(value) < 9007199254740992.0) {
    std::snprintf(text, sizeof text, "%.0f", value);
    return text;
  }
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

std::string DirectoryName(std::size_t layer, std::size_t iteration) {
  char text[64];
  if (layer == 0)
    std::snprintf(text, sizeof text, "iteration-%06zu", iteration);
  else
    std::snprintf(text, sizeof text, "layer-%zu-iteration-%06zu", layer, iteration);
  return text;
}

//! Parses a whole non-negative decimal number of at most 15 digits.
bool ParseCount(const std::string& text, std::size_t& value) {
  if (text.empty() || text.size() > 15 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  value = static_cast<std::size_t>(std::stoull(text));
  return true;
}

//! Inverse of DirectoryName; false for any other name.
bool ParseDirectoryName(const std::string& name, std::size_t& layer, std::size_t& iteration) {
  static const std::string kIteration = "iteration-", kLayer = "layer-";
  layer = 0;
  std::string rest = name;
  if (rest.compare(0, kLayer.size(), kLayer) == 0) {
    const std::size_t dash = rest.find('-', kLayer.size());
    if (dash == std::string::npos ||
        !ParseCount(rest.substr(kLayer.size(), dash - kLayer.size()), layer) || layer == 0)
      return false;
    rest = rest.substr(dash + 1);
  }
  if (rest.compare(0, kIteration.size(), kIteration) != 0) return false;
  return ParseCount(rest.substr(kIteration.size()), iteration) &&
         name == DirectoryName(layer, iteration);
}

bool IsKind(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

bool IsInfoKey(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

bool IsInfoValue(const std::string& text) {
  if (text.empty()) return true;
  if (text.front() == ' ' || text.back() == ' ') return false;
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  return true;
}

std::string Trim(const std::string& s) {
  const std::size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

//! A manifest: sections of `key = value` lines, each key once per section; every accessor
//! throws std::runtime_error "ReadCheckpoint(): <file>: ...".
class Manifest {
public:
  explicit Manifest(const std::string& file) : file_(file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) Fail("is missing (not a complete checkpoint)");
    std::ifstream in(file);
    if (!in) Fail("cannot be read");
    std::string line, section;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      line = Trim(line);
      if (line.empty() || line[0] == '#') continue;
      const std::string where = "line " + std::to_string(number) + ": ";
      if (line[0] == '[') {
        if (line.back() != ']') Fail(where + "bad section header");
        section = line.substr(1, line.size() - 2);
        if (!sections_.emplace(section, Entries()).second)
          Fail(where + "section [" + section + "] appears twice");
        continue;
      }
      if (section.empty()) Fail(where + "a key outside any section");
      const std::size_t eq = line.find('=');
      if (eq == std::string::npos) Fail(where + "not a 'key = value' line");
      const std::string key = Trim(line.substr(0, eq));
      if (!sections_[section].emplace(key, Trim(line.substr(eq + 1))).second)
        Fail(where + "key '" + key + "' appears twice in [" + section + "]");
    }
    if (in.bad()) Fail("cannot be read");
  }

  [[noreturn]] void Fail(const std::string& what) const { FailAt(file_, what); }
  //! For a problem of another file of the checkpoint.
  [[noreturn]] static void FailAt(const std::string& file, const std::string& what) {
    throw std::runtime_error("ReadCheckpoint(): " + file + ": " + what);
  }

  using Entries = std::map<std::string, std::string>;

  //! A section (empty when absent).
  const Entries& Section(const std::string& name) const {
    static const Entries none;
    const auto it = sections_.find(name);
    return it == sections_.end() ? none : it->second;
  }

  void RejectUnknownSections(const std::set<std::string>& known) const {
    for (const auto& [name, entries] : sections_)
      if (known.count(name) == 0) Fail("unknown section [" + name + "]");
  }

  const std::string& Value(const std::string& section, const std::string& key) const {
    const Entries& entries = Section(section);
    const auto it = entries.find(key);
    if (it == entries.end()) Fail("missing key '" + key + "' in [" + section + "]");
    return it->second;
  }

  std::size_t Count(const std::string& section, const std::string& key) const {
    std::size_t value = 0;
    if (!ParseCount(Value(section, key), value))
      Fail(key + " = '" + Value(section, key) + "' is not a whole number");
    return value;
  }

private:
  std::string file_;
  std::map<std::string, Entries> sections_;
};

//! "(a, b, c)" -> {a, b, c}; false unless the text is exactly such a tuple.
bool ParseShape(const std::string& text, std::vector<std::size_t>& shape) {
  shape.clear();
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return false;
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream parts(inner);
  std::string part;
  while (std::getline(parts, part, ',')) {
    part = Trim(part);
    if (part.empty()) continue;
    std::size_t value = 0;
    if (!ParseCount(part, value)) return false;
    shape.push_back(value);
  }
  return !shape.empty() && ShapeToString(shape) == text;
}

//! Splits "a b c" at single spaces.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  // The shape "(a, b, c)" holds spaces: take it whole.
  while (start < text.size()) {
    std::size_t end;
    if (text[start] == '(') {
      end = text.find(')', start);
      end = end == std::string::npos ? text.size() : end + 1;
    } else {
      end = std::min(text.find(' ', start), text.size());
    }
    words.push_back(text.substr(start, end - start));
    start = end;
    while (start < text.size() && text[start] == ' ') ++start;
  }
  return words;
}

void RemoveQuietly(const fs::path& path) {
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

//! Syncs every directory under and including `root`.
void SyncDirectories(const fs::path& root) {
  std::vector<fs::path> directories{root};
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it)
    if (it->is_directory()) directories.push_back(it->path());
  for (const fs::path& directory : directories) SyncToDisk(directory.string());
}

template <typename T>
std::uint64_t WriteComplex(const std::string& path, const arma::Mat<Complex<T>>& m) {
  return WriteNpy(path, {m.n_cols, m.n_rows, 2}, reinterpret_cast<const T*>(m.memptr()));
}

}  // namespace

namespace {

//! The checks WriteCheckpoint makes before writing anything (std::invalid_argument).
template <typename T> void CheckWritable(const std::string& directory, const Checkpoint<T>& c) {
  const auto bad = [](const std::string& what) {
    throw std::invalid_argument("WriteCheckpoint(): " + what);
  };
  if (directory.empty()) bad("empty directory name");
  if (!IsKind(c.kind)) bad("invalid kind '" + c.kind + "'");
  for (const auto& [key, value] : c.info) {
    if (!IsInfoKey(key)) bad("invalid info key '" + key + "'");
    if (!IsInfoValue(value)) bad("invalid info value for '" + key + "'");
  }
  for (const auto& [name, text] : c.files)
    if (!IsValidStateName(name)) bad("invalid file name '" + name + "'");
  for (const auto& [name, array] : c.state.arrays) {
    if (!IsValidStateName(name)) bad("invalid array name '" + name + "'");
    if (array.n_elem == 0) bad("array '" + name + "' is empty");
  }
  for (const auto& [name, array] : c.state.complexArrays) {
    if (!IsValidStateName(name)) bad("invalid array name '" + name + "'");
    if (array.n_elem == 0) bad("array '" + name + "' is empty");
    if (c.state.arrays.count(name)) bad("'" + name + "' is both a real and a complex array");
  }
  for (const auto& [name, number] : c.state.numbers) {
    if (!IsValidStateName(name)) bad("invalid number name '" + name + "'");
    if (!std::isfinite(number)) bad("number '" + name + "' is not finite");
  }
}

[[noreturn]] void WriteFailed(const std::string& what) {
  throw std::runtime_error("WriteCheckpoint(): " + what);
}

//! Creates `directory` if missing and a fresh temporary directory in it for the checkpoint whose
//! final path is `final` (which must not exist); returns the temporary one.
std::string MakeTemporary(const fs::path& root, const fs::path& final) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec || !fs::is_directory(root, ec)) WriteFailed("cannot create " + root.string());
  if (fs::exists(final, ec)) WriteFailed(final.string() + " exists already");
  std::string temp = (root / (std::string(kTemporaryPrefix) + "XXXXXX")).string();
  if (::mkdtemp(temp.data()) == nullptr)
    WriteFailed("cannot create a directory in " + root.string() + ": " + std::strerror(errno));
  return temp;
}

//! The manifest lines of a state's entries: arrays, then numbers (blank line between).
struct EntryLines {
  std::vector<std::string> arrays, numbers;
};

//! Writes the arrays of `state` into temp/state/ and returns the manifest lines of its entries.
template <typename T> EntryLines WriteEntries(const std::string& temp, const SavedState<T>& state) {
  EntryLines lines;
  std::error_code ec;
  const auto place = [&](const fs::path& path) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) WriteFailed("cannot create " + path.parent_path().string() + ": " + ec.message());
    return path.string();
  };
  for (const auto& [name, array] : state.arrays) {
    const std::string path = place(fs::path(temp) / kStateDirectory / (name + ".npy"));
    const std::uint64_t checksum = WriteNpy(path, array, false);
    lines.arrays.push_back(name + " = real " +
                           ShapeToString({array.n_slices, array.n_rows, array.n_cols}) + " " +
                           ChecksumText(checksum));
  }
  for (const auto& [name, array] : state.complexArrays) {
    const std::string path = place(fs::path(temp) / kStateDirectory / (name + ".npy"));
    const std::uint64_t checksum = WriteComplex(path, array);
    lines.arrays.push_back(name + " = complex " +
                           ShapeToString({array.n_cols, array.n_rows, 2}) + " " +
                           ChecksumText(checksum));
  }
  for (const auto& [name, number] : state.numbers) lines.numbers.push_back(name + " = " + Exact(number));
  return lines;
}

//! Lines sorted by their names (the text before " = "), as a std::map lists them.
std::string SortedByName(std::vector<std::string> lines) {
  const auto name = [](const std::string& line) { return line.substr(0, line.find(" = ")); };
  std::sort(lines.begin(), lines.end(),
            [&](const std::string& a, const std::string& b) { return name(a) < name(b); });
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

//! Writes the files and the manifest (with `lines`, every entry's) into `temp`, syncs it, renames
//! it to `final`, then removes the older checkpoints of `root`.
template <typename T>
void FinishCheckpoint(const fs::path& root, const std::string& temp, const fs::path& final,
                      const Checkpoint<T>& c, const EntryLines& lines) {
  std::error_code ec;
  try {
    std::ostringstream files, info;
    for (const auto& [name, text] : c.files) {
      const fs::path path = fs::path(temp) / kFilesDirectory / name;
      fs::create_directories(path.parent_path(), ec);
      if (ec) WriteFailed("cannot create " + path.parent_path().string() + ": " + ec.message());
      WriteTextFileAtomically(path.string(), text);
      files << name << " = " << text.size() << " "
            << ChecksumText(Checksum(text.data(), text.size())) << "\n";
    }
    for (const auto& [key, value] : c.info) info << key << " = " << value << "\n";

    std::ostringstream manifest;
    manifest << "# deconvnet checkpoint: continue the run with dn-learn --resume (see "
                "docs/robustness.md).\n"
             << "# Arrays are state/<name>.npy in the run's precision, C order: a real array "
                "(slices, rows, cols),\n"
             << "# a complex one (cols, rows, 2). Lines: name = kind shape checksum; files: name "
                "= bytes checksum.\n"
             << "[checkpoint]\n"
             << "format_version = " << kCheckpointFormatVersion << "\n"
             << "kind = " << c.kind << "\n"
             << "precision = " << ToString(PrecisionOf<T>()) << "\n"
             << "layer = " << c.layer << "\n"
             << "iteration = " << c.iteration << "\n"
             << "[info]\n"
             << info.str() << "[numbers]\n"
             << SortedByName(lines.numbers) << "[arrays]\n"
             << SortedByName(lines.arrays) << "[files]\n"
             << files.str();
    WriteTextFileAtomically((fs::path(temp) / kManifest).string(), manifest.str());
    SyncDirectories(temp);
    fs::rename(temp, final, ec);
    if (ec) WriteFailed("cannot rename " + temp + " to " + final.string() + ": " + ec.message());
  } catch (...) {
    RemoveQuietly(temp);
    throw;
  }
  SyncToDisk(root.string());

  // Only now that the new checkpoint is complete and durable: the older ones go.
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    std::size_t layer = 0, iteration = 0;
    if (entry.path() != final &&
        (ParseDirectoryName(name, layer, iteration) || name.rfind(kTemporaryPrefix, 0) == 0))
      RemoveQuietly(entry.path());
  }
}

//! Lines joined with '\n', and back (for sending them to rank 0).
std::string Joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}
std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

template <typename T>
std::string WriteCheckpoint(const std::string& directory, const Checkpoint<T>& c) {
  CheckWritable(directory, c);
  const fs::path root(directory);
  const fs::path final = root / DirectoryName(c.layer, c.iteration);
  const std::string temp = MakeTemporary(root, final);
  EntryLines lines;
  try {
    lines = WriteEntries(temp, c.state);
  } catch (...) {
    RemoveQuietly(temp);
    throw;
  }
  FinishCheckpoint(root, temp, final, c, lines);
  return final.string();
}

template <typename T>
std::string WriteCheckpoint(const std::string& directory, const Checkpoint<T>& c,
                            Communicator& communicator) {
  if (communicator.Size() == 1) return WriteCheckpoint(directory, c);
  CheckWritable(directory, c);
  const fs::path root(directory);
  const fs::path final = root / DirectoryName(c.layer, c.iteration);
  // Rank 0 makes the temporary directory; every rank writes its arrays into it.
  std::string temp;
  if (communicator.Root()) {
    try {
      temp = MakeTemporary(root, final);
    } catch (const std::exception& e) {
      temp = std::string("!") + e.what();  // every rank throws it
    }
  }
  communicator.Broadcast(temp);
  if (temp.rfind('!', 0) == 0) throw std::runtime_error(temp.substr(1));
  EntryLines mine = WriteEntries(temp, c.state);  // a failure here ends the job (dn-learn)
  const std::vector<std::string> arrays = communicator.GatherToRoot(Joined(mine.arrays));
  const std::vector<std::string> numbers = communicator.GatherToRoot(Joined(mine.numbers));
  std::string result = final.string();
  if (communicator.Root()) {
    EntryLines all;
    for (const std::string& text : arrays)
      for (std::string& line : Split(text)) all.arrays.push_back(std::move(line));
    for (const std::string& text : numbers)
      for (std::string& line : Split(text)) all.numbers.push_back(std::move(line));
    try {
      FinishCheckpoint(root, temp, final, c, all);
    } catch (const std::exception& e) {
      result = std::string("!") + e.what();
    }
  }
  communicator.Broadcast(result);
  if (result.rfind('!', 0) == 0) throw std::runtime_error(result.substr(1));
  return result;
}

std::string FindLatestCheckpoint(const std::string& directory) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) return "";
  std::string best;
  std::pair<std::size_t, std::size_t> bestKey{0, 0};
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    std::size_t layer = 0, iteration = 0;
    if (!entry.is_directory(ec) ||
        !ParseDirectoryName(entry.path().filename().string(), layer, iteration))
      continue;
    const std::pair<std::size_t, std::size_t> key{layer, iteration};
    if (best.empty() || key > bestKey) {
      best = entry.path().string();
      bestKey = key;
    }
  }
  return best;
}

namespace {

//! Reads and checks the [checkpoint] section; returns the manifest.
Manifest ReadHeader(const std::string& path) {
  Manifest m((fs::path(path) / kManifest).string());
  const Manifest::Entries& header = m.Section("checkpoint");
  if (header.count("format_version") == 0)
    m.Fail("no format_version in [checkpoint] (not a deconvnet checkpoint?)");
  const std::string& version = m.Value("checkpoint", "format_version");
  std::size_t number = 0;
  if (ParseCount(version, number) && number >= 1 &&
      number < static_cast<std::size_t>(kCheckpointFormatVersion))
    m.Fail("the checkpoint was written by checkpoint format " + version +
           "; this build reads format " + std::to_string(kCheckpointFormatVersion) +
           ": start the run again (--force)");
  if (version != std::to_string(kCheckpointFormatVersion))
    m.Fail("checkpoint format version " + version + " is not supported (this build reads " +
           std::to_string(kCheckpointFormatVersion) + ")");
  for (const auto& [key, value] : header)
    if (key != "format_version" && key != "kind" && key != "precision" && key != "layer" &&
        key != "iteration")
      m.Fail("unknown key '" + key + "' in [checkpoint]");
  const std::string& precision = m.Value("checkpoint", "precision");
  if (precision != "single" && precision != "double")
    m.Fail("precision = '" + precision + "' is not single or double");
  m.RejectUnknownSections({"checkpoint", "info", "numbers", "arrays", "files"});
  return m;
}

}  // namespace

namespace {

//! The file `name` listed in the manifest's [files], checked for size and checksum.
std::string ReadListedFile(const std::string& path, const Manifest& m, const std::string& name) {
  if (!IsValidStateName(name)) m.Fail("invalid name '" + name + "' in [files]");
  const std::string& text = m.Value("files", name);
  const std::vector<std::string> words = Words(text);
  std::size_t size = 0;
  if (words.size() != 2 || !ParseCount(words[0], size) || words[1].rfind("fnv1a64:", 0) != 0)
    m.Fail(name + " = '" + text + "' is not 'bytes checksum'");
  const std::string file = (fs::path(path) / kFilesDirectory / name).string();
  std::ifstream in(file, std::ios::binary);
  if (!in) Manifest::FailAt(file, "is missing");
  std::ostringstream content;
  content << in.rdbuf();
  const std::string bytes = content.str();
  if (bytes.size() != size)
    Manifest::FailAt(file, "has " + std::to_string(bytes.size()) + " bytes but the manifest says " +
                               std::to_string(size));
  if (ChecksumText(Checksum(bytes.data(), bytes.size())) != words[1])
    Manifest::FailAt(file, "is corrupt: its checksum disagrees with the manifest");
  return bytes;
}

}  // namespace

std::string ReadCheckpointFile(const std::string& path, const std::string& name) {
  return ReadListedFile(path, ReadHeader(path), name);
}

std::string CheckpointPrecision(const std::string& path) {
  return ReadHeader(path).Value("checkpoint", "precision");
}

template <typename T>
Checkpoint<T> ReadCheckpoint(const std::string& path) {
  const Manifest m = ReadHeader(path);
  Checkpoint<T> c;
  c.kind = m.Value("checkpoint", "kind");
  if (!IsKind(c.kind)) m.Fail("invalid kind '" + c.kind + "'");
  const std::string& precision = m.Value("checkpoint", "precision");
  if (precision != ToString(PrecisionOf<T>()))
    m.Fail("the checkpoint is in " + precision + " precision, not " + ToString(PrecisionOf<T>()));
  c.layer = m.Count("checkpoint", "layer");
  c.iteration = m.Count("checkpoint", "iteration");

  for (const auto& [key, value] : m.Section("info")) {
    if (!IsInfoKey(key)) m.Fail("invalid key '" + key + "' in [info]");
    c.info[key] = value;
  }
  for (const auto& [name, text] : m.Section("numbers")) {
    if (!IsValidStateName(name)) m.Fail("invalid name '" + name + "' in [numbers]");
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(value))
      m.Fail(name + " = '" + text + "' is not a finite number");
    c.state.numbers[name] = value;
  }
  for (const auto& [name, text] : m.Section("arrays")) {
    if (!IsValidStateName(name)) m.Fail("invalid name '" + name + "' in [arrays]");
    const std::vector<std::string> words = Words(text);
    std::vector<std::size_t> shape;
    if (words.size() != 3 || (words[0] != "real" && words[0] != "complex") ||
        !ParseShape(words[1], shape) || shape.size() != 3 || words[2].rfind("fnv1a64:", 0) != 0)
      m.Fail(name + " = '" + text + "' is not 'real|complex (shape) checksum'");
    const bool complex = words[0] == "complex";
    if (complex && shape[2] != 2) m.Fail(name + ": a complex array's last axis must be 2");
    const std::string file = (fs::path(path) / kStateDirectory / (name + ".npy")).string();
    std::error_code ec;
    if (!fs::exists(file, ec)) Manifest::FailAt(file, "is missing (array '" + name + "')");
    const NpyArray a = ReadNpy(file);  // throws for a truncated or malformed file
    if (a.isFloat32 != std::is_same_v<T, float>)
      Manifest::FailAt(file, std::string("is ") + (a.isFloat32 ? "float32" : "float64") +
                                 " but the checkpoint is in " + precision + " precision");
    if (a.shape != shape)
      Manifest::FailAt(file, "has shape " + ShapeToString(a.shape) + " but the manifest says " +
                                 ShapeToString(shape));
    if (ChecksumText(FileChecksum(file)) != words[2])
      Manifest::FailAt(file, "is corrupt: its checksum disagrees with the manifest");
    if (complex) {
      arma::Mat<Complex<T>> matrix(shape[1], shape[0]);
      T* out = reinterpret_cast<T*>(matrix.memptr());
      for (std::size_t i = 0; i < a.values.size(); ++i) out[i] = static_cast<T>(a.values[i]);
      c.state.complexArrays[name] = std::move(matrix);
    } else {
      try {
        c.state.arrays[name] = CubeFromNpy<T>(a);
      } catch (const std::invalid_argument& e) {
        Manifest::FailAt(file, e.what());
      }
    }
  }
  for (const auto& [name, text] : m.Section("files")) c.files[name] = ReadListedFile(path, m, name);
  return c;
}

template std::string WriteCheckpoint(const std::string&, const Checkpoint<float>&);
template std::string WriteCheckpoint(const std::string&, const Checkpoint<double>&);
template std::string WriteCheckpoint(const std::string&, const Checkpoint<float>&, Communicator&);
template std::string WriteCheckpoint(const std::string&, const Checkpoint<double>&, Communicator&);
template Checkpoint<float> ReadCheckpoint(const std::string&);
template Checkpoint<double> ReadCheckpoint(const std::string&);

}  // namespace dn
