// The FFT bound of a sparse coding iteration: how long FFTW itself takes for the transforms one
// iteration cannot avoid, timed the way the solvers run them.
//
// A FISTA or ADMM iteration over K maps does K inverse and K forward real transforms of the FFT
// grid (docs/maths.md). TransformPassSeconds() times exactly that pass with the solvers' pattern:
// OpenMP across the K maps under a static schedule; per map, an inverse transform of a
// thread-owned spectrum into a thread-owned image, then a forward transform of map k (K distinct
// maps in one array, so the pass streams through them as an iteration does) into the thread's
// spectrum. Same plans (planner effort), same threads, no other work: the time an iteration
// would take if everything but the transforms were free.
#pragma once

#include <cstddef>

#include "fft/fft.hpp"

namespace dn {

//! Seconds per pass of `count` inverse and `count` forward transforms of `fft`'s grid, as
//! above: `passes` passes in a row are timed (like as many solver iterations) and divided by
//! `passes`; the fastest of `repeats` such blocks, after one untimed warm-up pass. Throws
//! std::invalid_argument when count, passes or repeats is 0.
template <typename T>
double TransformPassSeconds(const Fft2d<T>& fft, std::size_t count, std::size_t passes,
                            std::size_t repeats);

}  // namespace dn
