#include "cli/output_directory.hpp"

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace dn::cli {

namespace fs = std::filesystem;

OutputDirectory::OutputDirectory(std::string path) : path_(std::move(path)) {
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
}

OutputDirectory::~OutputDirectory() {
  if (kept_) return;
  std::error_code ignored;
  for (const std::string& directory : created_) {  // innermost first; stops at a non-empty one
    if (!fs::is_empty(directory, ignored) || !fs::remove(directory, ignored)) break;
  }
}

std::string OutputDirectory::File(const std::string& name) const {
  return (fs::path(path_) / name).string();
}

}  // namespace dn::cli
