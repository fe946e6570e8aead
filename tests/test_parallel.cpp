// The pieces of data-parallel learning that need no MPI (parallel/, serialize/sharded_state):
// fixed-point sums are the same for every order and grouping of their terms and within their
// stated precision of the exact sum; the serial communicator is the identity; shards of a
// checkpoint's state convert to run-wide names and back. The ranks themselves are tested under
// mpirun by tests/mpi/data_parallel.sh.
#define BOOST_TEST_MODULE parallel
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <numeric>
#include <random>

#include "parallel/communicator.hpp"
#include "parallel/exact_sum.hpp"
#include "serialize/sharded_state.hpp"
#include "test_support.hpp"

using namespace dn;
using namespace dn::test;

BOOST_AUTO_TEST_CASE(fixed_point_sums_do_not_depend_on_order_or_grouping) {
  Seed(1201);
  const arma::vec terms = arma::randn(1000) % arma::exp(4 * arma::randn(1000));  // wide range
  const double bound = arma::abs(terms).max();
  const FixedPoint fixed = FixedPointFor(bound, terms.n_elem);
  std::int64_t sequential = 0;
  for (double t : terms) sequential += fixed(t);
  // Any permutation, cut into any number of groups summed apart, then combined.
  std::mt19937 generator(1201);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::size_t> order(terms.n_elem);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), generator);
    const std::size_t groups = 1 + trial % 7;
    std::vector<std::int64_t> partial(groups, 0);
    for (std::size_t i = 0; i < order.size(); ++i) partial[i * groups / order.size()] += fixed(terms[order[i]]);
    std::int64_t combined = 0;
    for (std::size_t g = groups; g-- > 0;) combined += partial[g];
    BOOST_TEST(combined == sequential);
  }
  // Within N 2^-s of the exact sum (each term rounds by half a unit), s from the bound.
  long double exact = 0;
  for (double t : terms) exact += t;
  const double error = std::abs(double(exact) - fixed.Value(sequential));
  BOOST_TEST_MESSAGE("bound " << bound << ", unit " << fixed.inverse << ", error " << error);
  BOOST_TEST(error <= 0.5 * terms.n_elem * fixed.inverse);
  BOOST_TEST(fixed.inverse <= bound * terms.n_elem * std::ldexp(1.0, -59));
}

BOOST_AUTO_TEST_CASE(fixed_point_scales) {
  BOOST_TEST(FixedPointFor(0.0, 10).scale == 1.0);  // every term 0
  // The largest possible sum stays below 2^60.
  for (double bound : {1e-300, 1e-20, 1.0, 3.7, 1e20, 1e300})
    for (double n : {1.0, 3.0, 1e6}) {
      const FixedPoint f = FixedPointFor(bound, n);
      BOOST_TEST(std::isfinite(f.scale));
      BOOST_TEST(n * bound * f.scale < std::ldexp(1.0, 60));
    }
  BOOST_CHECK_THROW(FixedPointFor(-1.0, 2), std::invalid_argument);
  BOOST_CHECK_THROW(FixedPointFor(std::nan(""), 2), std::invalid_argument);
  BOOST_CHECK_THROW(FixedPointFor(1.0, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(serial_communicator_and_shards) {
  Communicator& serial = SerialCommunication();
  BOOST_TEST(serial.Size() == 1);
  BOOST_TEST(serial.Root());
  std::int64_t values[2] = {3, -4};
  serial.SumInPlace(values, 2);
  BOOST_TEST(values[1] == -4);
  BOOST_TEST(serial.GatherAll({1.0, 2.0}).size() == 2u);
  BOOST_TEST(serial.Any(true));
  BOOST_TEST(&WorldCommunicator() != nullptr);
  // Shards: contiguous, in rank order, covering every image once.
  for (int ranks = 1; ranks <= 4; ++ranks) {
    std::size_t next = 0;
    for (int r = 0; r < ranks; ++r) {
      std::size_t begin = 0, end = 0;
      ShardRange(10, r, ranks, begin, end);
      BOOST_TEST(begin == next);
      BOOST_TEST(end > begin);
      next = end;
    }
    BOOST_TEST(next == 10u);
  }
  std::size_t begin = 0, end = 0;
  BOOST_CHECK_THROW(ShardRange(2, 0, 3, begin, end), std::invalid_argument);
  BOOST_CHECK_THROW(ShardRange(5, 3, 3, begin, end), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(sharded_states_convert_both_ways) {
  std::size_t image = 0;
  BOOST_TEST(ImageOfEntry("learner/image/12/x", image));
  BOOST_TEST(image == 12u);
  BOOST_TEST(ImageOfEntry("switches/3/1/rows", image));
  BOOST_TEST(image == 3u);
  BOOST_TEST(ImageOfEntry("maps/7", image));
  BOOST_TEST(!ImageOfEntry("filters/1", image));
  BOOST_TEST(!ImageOfEntry("updater/power_vectors", image));
  BOOST_TEST(!ImageOfEntry("image/x/y", image));

  // A rank holding images 0..1 of its shard, which are images 5..6 of 9.
  SavedState<double> local;
  local.Put("images", 2.0);
  local.Put("filters", arma::mat(2, 2, arma::fill::ones));
  local.Put("learner/images", 2.0);
  for (int i = 0; i < 2; ++i) {
    local.Put("image/" + std::to_string(i) + "/x", arma::mat(1, 1, arma::fill::value(i + 5.0)));
    local.Put("image/" + std::to_string(i) + "/t", double(i));
  }
  const SavedState<double> wide = ToRunWide(local, 5, 9, true);
  BOOST_TEST(wide.Number("images") == 9.0);
  BOOST_TEST(wide.Number("learner/images") == 9.0);
  BOOST_TEST(wide.arrays.at("image/6/x")(0, 0, 0) == 6.0);
  BOOST_TEST(wide.Has("filters"));
  const SavedState<double> mine = ToRunWide(local, 5, 9, false);  // not rank 0
  BOOST_TEST(!mine.Has("filters"));
  BOOST_TEST(mine.Has("image/5/t"));
  // Back, on another split: this rank now holds images 6..8.
  const SavedState<double> shard = ToShard(wide, 6, 9, 9);
  BOOST_TEST(shard.Number("images") == 3.0);
  BOOST_TEST(shard.arrays.at("image/0/x")(0, 0, 0) == 6.0);
  BOOST_TEST(!shard.Has("image/1/x"));  // image 7 was not in this part of the state
  BOOST_TEST(shard.Has("filters"));
  BOOST_CHECK_THROW(ToShard(wide, 0, 2, 10), std::runtime_error);  // another image count
}
