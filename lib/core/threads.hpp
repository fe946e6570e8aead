// Thread configuration: OpenMP runs across filters and images; OpenBLAS and FFTW stay
// single-threaded inside those regions so that they never compete for the cores.
#pragma once

namespace dn {

//! Sets the OpenMP thread count (0 = all cores) and pins OpenBLAS to one thread.
//! Returns the thread count in force.
int ConfigureThreads(int threads);

//! The OpenMP thread count in force.
int ThreadCount();

} // namespace dn
