// Checkpoints: the complete state of a learning run on disk, so that a killed, interrupted or
// failed run continues from its last checkpoint bit for bit (dn-learn --checkpoint-every,
// --resume; docs/robustness.md, docs/file_formats.md).
//
// A run keeps its checkpoints in one directory (dn-learn: <out>/checkpoints/):
//
//   iteration-000012/           a complete checkpoint, named after its iteration (layer 0);
//                               layer l > 0 of a multi-layer run: layer-<l>-iteration-<n>/
//     manifest.ini              format version, kind, precision, layer, iteration, [info],
//                               [numbers], and every array and file with its shape or size and
//                               its checksum
//     state/<name>.npy          the arrays of Checkpoint::state, in the run's precision (float32
//                               or float64, C order): a real array (rows, cols, slices) as
//                               (slices, rows, cols), a complex matrix (rows, cols) as
//                               (cols, rows, 2) with real and imaginary parts last
//     files/<name>              Checkpoint::files (e.g. run.ini, history.csv)
//   .tmp-XXXXXX/                a checkpoint being written
//
// WriteCheckpoint writes everything into a fresh temporary directory, syncs every file and
// directory to the disk, renames it to its final name, syncs the parent, and only then removes
// the older checkpoints (and stale temporary directories): a crash at any instant leaves the
// previous complete checkpoint. ReadCheckpoint verifies the format version, the kind, the
// precision, every array's dtype, shape and checksum and every file's size and checksum, and
// throws std::runtime_error with one line naming the problem otherwise.
//
// Multi-layer networks (greedy layer-wise training, kind "network-learning"): `layer` is the
// 1-based index of the layer in training, and the state is NetworkTrainer::SaveState() (every
// layer's filters, the finished layers' maps, outputs and switches, and the training layer's
// learner under "learner/").
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "core/saved_state.hpp"
#include "parallel/communicator.hpp"

namespace dn {

//! The checkpoint format this build writes and reads. Format 2 saves every iteration record
//! under one key style ("record/objective"); a checkpoint of format 1 is refused with one line
//! saying so (its run has to start again).
constexpr int kCheckpointFormatVersion = 2;

template <typename T>
struct Checkpoint {
  std::string kind = "dictionary-learning";  //!< what wrote it: [a-z0-9-]+, checked on reading
  std::size_t layer = 0;                     //!< index of the layer in training
  std::size_t iteration = 0;                 //!< outer iterations completed
  //! Facts the writer checks on resuming, e.g. a checksum of the training data: keys
  //! [a-z0-9_]+, values one line of printable text without leading or trailing spaces.
  std::map<std::string, std::string> info;
  //! Small text files kept with the state, by name (a valid state name, see saved_state.hpp).
  std::map<std::string, std::string> files;
  SavedState<T> state;
};

//! Writes `checkpoint` as a new subdirectory of `directory` (created if missing), as described
//! above, and returns its path. Throws std::invalid_argument for an invalid name, key or value
//! or an empty array, std::runtime_error when writing fails (the previous checkpoints are then
//! untouched and the temporary directory removed).
template <typename T>
std::string WriteCheckpoint(const std::string& directory, const Checkpoint<T>& checkpoint);

//! The same for the ranks of a data-parallel run (parallel/communicator.hpp), called by every
//! rank together: each passes the state entries it owns (its images' entries, named by their
//! index among all the run's images), rank 0 also the shared entries, the info and the files.
//! Rank 0 makes the temporary directory, every rank writes its arrays into it, and rank 0 writes
//! the manifest (every rank's entries, sorted by name as one process lists them) and renames it:
//! the same protocol and the same checkpoint as one process writes, readable by any rank count.
//! `directory` must be one every rank sees (a shared file system). Returns the checkpoint's
//! path on every rank; a failure on rank 0 is thrown on every rank.
template <typename T>
std::string WriteCheckpoint(const std::string& directory, const Checkpoint<T>& checkpoint,
                            Communicator& communicator);

//! The path of the newest complete checkpoint in `directory` (highest layer, then iteration),
//! or "" when there is none or no such directory.
std::string FindLatestCheckpoint(const std::string& directory);

//! The precision of the checkpoint at `path`, "single" or "double", from its manifest (which
//! must have a supported format version; std::runtime_error otherwise).
std::string CheckpointPrecision(const std::string& path);

//! One text file of the checkpoint at `path` (Checkpoint::files[name]), checked against the
//! manifest, without reading the arrays: std::runtime_error as ReadCheckpoint, or when the
//! manifest lists no such file.
std::string ReadCheckpointFile(const std::string& path, const std::string& name);

//! Reads the checkpoint at `path` (a checkpoint directory, not the directory of checkpoints).
//! Its precision must be T's ("single" for float). Throws std::runtime_error naming the file for
//! a missing or unreadable manifest, an unsupported format version, another kind or precision,
//! a missing, unknown, duplicate or invalid key, or a missing, truncated or corrupt array or
//! file, or one whose dtype, shape, size or checksum disagrees with the manifest.
template <typename T>
Checkpoint<T> ReadCheckpoint(const std::string& path);

extern template std::string WriteCheckpoint(const std::string&, const Checkpoint<float>&);
extern template std::string WriteCheckpoint(const std::string&, const Checkpoint<double>&);
extern template std::string WriteCheckpoint(const std::string&, const Checkpoint<float>&,
                                            Communicator&);
extern template std::string WriteCheckpoint(const std::string&, const Checkpoint<double>&,
                                            Communicator&);
extern template Checkpoint<float> ReadCheckpoint(const std::string&);
extern template Checkpoint<double> ReadCheckpoint(const std::string&);

}  // namespace dn
