// The output directory of a run.
#pragma once

#include <string>
#include <vector>

namespace dn::cli {

//! Creates the directory (and its parents) if missing. If the run fails, i.e. the object is
//! destroyed before Keep(), the directories it created are removed again while still empty, so
//! a failed run leaves nothing behind (the files in it are written atomically).
class OutputDirectory {
public:
  //! Throws std::runtime_error if the directory cannot be created.
  explicit OutputDirectory(std::string path);
  ~OutputDirectory();
  OutputDirectory(const OutputDirectory&) = delete;
  OutputDirectory& operator=(const OutputDirectory&) = delete;

  //! The path of `name` inside the directory.
  std::string File(const std::string& name) const;
  //! The run succeeded: keep the directory.
  void Keep() { kept_ = true; }

private:
  std::string path_;
  std::vector<std::string> created_;  //!< directories this object created, innermost first
  bool kept_ = false;
};

}  // namespace dn::cli
