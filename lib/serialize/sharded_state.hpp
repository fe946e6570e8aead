// The saved state of a data-parallel run (parallel/communicator.hpp) in a checkpoint that any
// rank count can resume: every rank's learner names its images' entries by their index in the
// rank's shard ("image/0/x"); a checkpoint names them by their index among all the run's images
// (as one process alone does). These functions convert between the two.
//
// An entry belongs to one image when a part of its name is "image", "maps", "outputs" or
// "switches" followed by the image's index ("learner/image/3/x", "switches/3/1/rows"); a number
// named "images" (or ".../images") is an image count; every other entry is shared by the ranks
// (the filters, the updater's state, counters) and the same on every rank.
#pragma once

#include <cstddef>
#include <string>

#include "core/saved_state.hpp"

namespace dn {

//! The index of the image an entry belongs to, if it belongs to one (see above).
bool ImageOfEntry(const std::string& name, std::size_t& image);

//! A rank's state as a checkpoint names it: its images' entries renumbered from `first` (the
//! shard's first image among all), its image counts set to `total`, and its shared entries only
//! when `withShared` (rank 0).
template <typename T>
SavedState<T> ToRunWide(SavedState<T> local, std::size_t first, std::size_t total, bool withShared);

//! The reverse, on resuming: the entries of images [begin, end) of a run-wide state, renumbered
//! from 0, the shared entries, and the image counts set to end - begin. std::runtime_error when
//! the state's image counts are not `total` (the run has other images than the checkpoint).
template <typename T>
SavedState<T> ToShard(SavedState<T> global, std::size_t begin, std::size_t end, std::size_t total);

extern template SavedState<float> ToRunWide(SavedState<float>, std::size_t, std::size_t, bool);
extern template SavedState<double> ToRunWide(SavedState<double>, std::size_t, std::size_t, bool);
extern template SavedState<float> ToShard(SavedState<float>, std::size_t, std::size_t, std::size_t);
extern template SavedState<double> ToShard(SavedState<double>, std::size_t, std::size_t,
                                           std::size_t);

}  // namespace dn
