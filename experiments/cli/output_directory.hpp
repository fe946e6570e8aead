// The output directory of a run: every output is written into a staging directory inside it and
// all are moved into place together once the run has succeeded, so a failed run leaves the
// directory as it was.
#pragma once

#include <string>
#include <vector>

namespace dn::cli {

class OutputDirectory {
public:
  //! Creates `path` (and its parents) if missing, and a staging directory `.dn-staging-XXXXXX`
  //! in it. `outputs` names the run's outputs, a trailing '/' marking a directory. Throws
  //! std::runtime_error if a directory cannot be created or an entry of one of those names
  //! exists with the other kind (a directory where a file goes, or the reverse).
  OutputDirectory(std::string path, const std::vector<std::string>& outputs);
  //! Unless committed: removes the staging directory, then the directories this object created
  //! while they are empty, so a failed run leaves nothing behind.
  ~OutputDirectory();
  OutputDirectory(const OutputDirectory&) = delete;
  OutputDirectory& operator=(const OutputDirectory&) = delete;

  //! Where to write output `name` (without its trailing '/'): inside the staging directory.
  std::string File(const std::string& name) const;
  //! Moves every output into place, replacing the entries of the same names (a directory such as
  //! model/ as a whole), and removes the staging directory. On failure the entries already moved
  //! are put back and std::runtime_error is thrown.
  void Commit();

private:
  struct Output {
    std::string name;
    bool directory = false;
  };
  //! Throws unless every existing entry of an output's name has the output's kind.
  void CheckKinds() const;
  //! Removes the directories this object created, innermost first, while they are empty.
  void RemoveCreated() const;

  std::string path_, staging_;
  std::vector<Output> outputs_;
  std::vector<std::string> created_;  //!< directories this object created, innermost first
  bool committed_ = false;
};

}  // namespace dn::cli
