#include "cli/output_directory.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace dn::cli {

namespace fs = std::filesystem;

OutputDirectory::OutputDirectory(std::string path, const std::vector<std::string>& outputs)
    : path_(std::move(path)) {
  for (const std::string& name : outputs) {
    const bool directory = !name.empty() && name.back() == '/';
    outputs_.push_back({directory ? name.substr(0, name.size() - 1) : name, directory});
  }
  std::error_code ec;
  // The outermost directory about to be created, so that a failure can remove them all.
  for (fs::path p = fs::absolute(path_, ec).lexically_normal(); !p.empty() && !fs::exists(p, ec);
       p = p.parent_path()) {
    created_.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  fs::create_directories(path_, ec);
  if (ec || !fs::is_directory(path_, ec))
    throw std::runtime_error("cannot create the output directory " + path_ +
                             (ec ? ": " + ec.message() : ""));
  CheckKinds();
  std::string name = (fs::path(path_) / ".dn-staging-XXXXXX").string();
  if (::mkdtemp(name.data()) == nullptr) {
    const std::string reason = std::strerror(errno);
    RemoveCreated();
    throw std::runtime_error("cannot create a staging directory in " + path_ + ": " + reason);
  }
  staging_ = name;
}

OutputDirectory::~OutputDirectory() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
  RemoveCreated();
}

void OutputDirectory::RemoveCreated() const {
  std::error_code ignored;
  for (const std::string& directory : created_) {  // innermost first; stops at a non-empty one
    if (!fs::is_empty(directory, ignored) || !fs::remove(directory, ignored)) break;
  }
}

std::string OutputDirectory::File(const std::string& name) const {
  for (const Output& output : outputs_)
    if (output.name == name) return (fs::path(staging_) / name).string();
  throw std::logic_error("OutputDirectory::File(): " + name + " is not a declared output");
}

void OutputDirectory::CheckKinds() const {
  std::error_code ec;
  for (const Output& output : outputs_) {
    const fs::path target = fs::path(path_) / output.name;
    if (!fs::exists(target, ec) || fs::is_directory(target, ec) == output.directory) continue;
    throw std::runtime_error(
        output.directory
            ? target.string() + " exists and is not a directory; the run writes a directory there"
            : target.string() + " is a directory; the run writes a file there");
  }
}

void OutputDirectory::Commit() {
  CheckKinds();  // entries may have appeared since the start
  std::error_code ec;
  for (const Output& output : outputs_)
    if (!fs::exists(fs::path(staging_) / output.name, ec))
      throw std::logic_error("OutputDirectory::Commit(): " + output.name + " was not written");
  // Previous entries go aside into the staging directory until the new ones are in place.
  const fs::path previous = fs::path(staging_) / ".previous";
  fs::create_directory(previous, ec);
  if (ec) throw std::runtime_error("cannot create " + previous.string() + ": " + ec.message());
  std::vector<std::string> aside, placed;
  const auto undo = [&]() {
    std::error_code ignored;
    for (const std::string& name : placed)
      fs::rename(fs::path(path_) / name, fs::path(staging_) / name, ignored);
    for (const std::string& name : aside)
      fs::rename(previous / name, fs::path(path_) / name, ignored);
  };
  const auto move = [&](const fs::path& from, const fs::path& to) {
    fs::rename(from, to, ec);
    if (!ec) return;
    const std::string reason = ec.message();
    undo();
    throw std::runtime_error("cannot move " + from.string() + " to " + to.string() + ": " + reason);
  };
  for (const Output& output : outputs_) {
    const fs::path target = fs::path(path_) / output.name;
    if (!fs::exists(fs::symlink_status(target, ec))) continue;
    move(target, previous / output.name);
    aside.push_back(output.name);
  }
  for (const Output& output : outputs_) {
    move(fs::path(staging_) / output.name, fs::path(path_) / output.name);
    placed.push_back(output.name);
  }
  committed_ = true;
  fs::remove_all(staging_, ec);  // with the previous entries; a failure here loses nothing
}

}  // namespace dn::cli
