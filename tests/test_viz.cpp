// Tests of lib/viz (montages).
#define BOOST_TEST_MODULE viz
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "viz/montage.hpp"

namespace {

//! A tile whose value at (y, x, c) is y + 10x + 100c (so min 0 and max at the last pixel).
dn::Image<double> Ramp(arma::uword h, arma::uword w, arma::uword c) {
  dn::Image<double> tile(h, w, c);
  for (arma::uword k = 0; k < c; ++k) {
    for (arma::uword x = 0; x < w; ++x) {
      for (arma::uword y = 0; y < h; ++y) tile(y, x, k) = double(y) + 10.0 * x + 100.0 * k;
    }
  }
  return tile;
}

std::vector<dn::Image<double>> Ramps(std::size_t n, arma::uword h, arma::uword w, arma::uword c) {
  return std::vector<dn::Image<double>>(n, Ramp(h, w, c));
}

//! True when pixel (y, x) lies inside tile cell t of a montage.
bool InTile(arma::uword y, arma::uword x, std::size_t tileH, std::size_t tileW, std::size_t sep,
            std::size_t columns, std::size_t n) {
  if (y < sep || x < sep) return false;
  const std::size_t row = (y - sep) / (tileH + sep), col = (x - sep) / (tileW + sep);
  const std::size_t dy = (y - sep) % (tileH + sep), dx = (x - sep) % (tileW + sep);
  return col < columns && dy < tileH && dx < tileW && row * columns + col < n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(viz)

BOOST_AUTO_TEST_CASE(montage_dimensions) {
  dn::MontageOptions options;
  options.scale = 2;
  options.separator = 1;
  // 5 tiles of 3 x 4: ceil(sqrt(5)) = 3 columns, 2 rows.
  dn::Image<double> m = dn::Montage(Ramps(5, 3, 4, 1), options);
  BOOST_TEST(m.n_rows == 2u * 6 + 3 * 1);
  BOOST_TEST(m.n_cols == 3u * 8 + 4 * 1);
  BOOST_TEST(m.n_slices == 1u);
  // Two columns: 3 rows.
  options.columns = 2;
  m = dn::Montage(Ramps(5, 3, 4, 1), options);
  BOOST_TEST(m.n_rows == 3u * 6 + 4);
  BOOST_TEST(m.n_cols == 2u * 8 + 3);
  // More columns than tiles: capped at the tile count.
  options.columns = 10;
  m = dn::Montage(Ramps(4, 3, 4, 3), options);
  BOOST_TEST(m.n_rows == 6u + 2);
  BOOST_TEST(m.n_cols == 4u * 8 + 5);
  BOOST_TEST(m.n_slices == 3u);
  // Perfect squares and one tile; no separator.
  options = dn::MontageOptions();
  options.scale = 1;
  options.separator = 0;
  m = dn::Montage(Ramps(16, 2, 3, 1), options);
  BOOST_TEST(m.n_rows == 8u);
  BOOST_TEST(m.n_cols == 12u);
  m = dn::Montage(Ramps(17, 2, 3, 1), options);
  BOOST_TEST(m.n_rows == 2u * 4);  // 5 columns, 4 rows
  BOOST_TEST(m.n_cols == 3u * 5);
  m = dn::Montage(Ramps(1, 2, 3, 1), options);
  BOOST_TEST(m.n_rows == 2u);
  BOOST_TEST(m.n_cols == 3u);
}

BOOST_AUTO_TEST_CASE(montage_automatic_scale) {
  dn::MontageOptions options;
  options.separator = 0;
  // Smallest factor making the longer side at least 48, at most 16.
  BOOST_TEST(dn::Montage(Ramps(1, 8, 8, 1), options).n_rows == 48u);
  BOOST_TEST(dn::Montage(Ramps(1, 5, 7, 1), options).n_cols == 7u * 7);
  BOOST_TEST(dn::Montage(Ramps(1, 5, 7, 1), options).n_rows == 5u * 7);
  BOOST_TEST(dn::Montage(Ramps(1, 2, 2, 1), options).n_rows == 32u);
  BOOST_TEST(dn::Montage(Ramps(1, 100, 30, 1), options).n_rows == 100u);
  BOOST_TEST(dn::Montage(Ramps(1, 48, 1, 1), options).n_cols == 1u);
}

BOOST_AUTO_TEST_CASE(montage_per_tile_scaling) {
  dn::MontageOptions options;
  options.scale = 3;
  options.separator = 2;
  options.columns = 2;
  dn::Image<double> a(2, 3, 1, arma::fill::zeros);
  a(0, 0, 0) = -3;  // min -> 0
  a(1, 2, 0) = 5;   // max -> 1
  a(0, 1, 0) = 1;   // -> 0.5
  dn::Image<double> b(2, 3, 1);
  b.fill(1000);
  b(1, 0, 0) = 1010;  // its own range: [1000, 1010]
  b(0, 2, 0) = 1002.5;
  const dn::Image<double> m = dn::Montage({a, b}, options);
  BOOST_REQUIRE(m.n_rows == 2u * 3 + 2 * 2 && m.n_cols == 2u * 9 + 3 * 2);
  // Every pixel of an enlarged cell has the cell's value (nearest neighbour).
  auto at = [&m](std::size_t tile, arma::uword y, arma::uword x, arma::uword dy, arma::uword dx) {
    return m(2 + y * 3 + dy, 2 + tile * (9 + 2) + x * 3 + dx, 0);
  };
  for (arma::uword dy = 0; dy < 3; ++dy) {
    for (arma::uword dx = 0; dx < 3; ++dx) {
      BOOST_TEST(at(0, 0, 0, dy, dx) == 0.0);
      BOOST_TEST(at(0, 1, 2, dy, dx) == 1.0);
      BOOST_TEST(at(0, 0, 1, dy, dx) == 0.5);
      BOOST_TEST(at(0, 1, 1, dy, dx) == 3.0 / 8.0);
      BOOST_TEST(at(1, 0, 0, dy, dx) == 0.0);
      BOOST_TEST(at(1, 1, 0, dy, dx) == 1.0);
      BOOST_TEST(at(1, 0, 2, dy, dx) == 0.25);
    }
  }
  BOOST_TEST(m.min() == 0.0);
  BOOST_TEST(m.max() == 1.0);
}

BOOST_AUTO_TEST_CASE(montage_colour_tiles_scaled_jointly) {
  dn::Image<double> tile(2, 2, 3);
  tile.slice(0).fill(0);
  tile.slice(1).fill(2);
  tile.slice(2).fill(1);
  dn::MontageOptions options;
  options.scale = 1;
  options.separator = 1;
  const dn::Image<double> m = dn::Montage({tile}, options);
  BOOST_REQUIRE(m.n_slices == 3u);
  BOOST_TEST(m(1, 1, 0) == 0.0);
  BOOST_TEST(m(1, 1, 1) == 1.0);
  BOOST_TEST(m(2, 2, 2) == 0.5);
}

BOOST_AUTO_TEST_CASE(montage_separators_are_background) {
  dn::MontageOptions options;
  options.scale = 2;
  options.separator = 3;
  options.background = 0.25;
  options.columns = 3;
  const std::size_t n = 7;  // 3 rows, the last with two empty cells
  const dn::Image<double> m = dn::Montage(Ramps(n, 4, 5, 3), options);
  const std::size_t tileH = 8, tileW = 10, sep = 3, columns = 3;
  BOOST_REQUIRE(m.n_rows == 3 * tileH + 4 * sep && m.n_cols == 3 * tileW + 4 * sep);
  std::size_t background = 0, inside = 0;
  for (arma::uword c = 0; c < m.n_slices; ++c) {
    for (arma::uword y = 0; y < m.n_rows; ++y) {
      for (arma::uword x = 0; x < m.n_cols; ++x) {
        if (InTile(y, x, tileH, tileW, sep, columns, n)) {
          ++inside;
          BOOST_TEST((m(y, x, c) >= 0.0 && m(y, x, c) <= 1.0));
        } else {
          ++background;
          BOOST_TEST(m(y, x, c) == 0.25);
        }
      }
    }
  }
  BOOST_TEST(inside == n * tileH * tileW * 3);
  BOOST_TEST(background == m.n_elem - inside);
}

BOOST_AUTO_TEST_CASE(montage_constant_tile_is_mid_grey) {
  dn::Image<double> constant(3, 3, 1);
  constant.fill(-7.5);
  dn::MontageOptions options;
  options.scale = 1;
  options.separator = 1;
  options.background = 0;
  const dn::Image<double> m = dn::Montage({constant, Ramp(3, 3, 1)}, options);
  for (arma::uword y = 1; y < 4; ++y) {
    for (arma::uword x = 1; x < 4; ++x) BOOST_TEST(m(y, x, 0) == 0.5);
  }
  const dn::Image<double> zero(2, 2, 3, arma::fill::zeros);
  BOOST_TEST(dn::Montage({zero}, options)(1, 1, 2) == 0.5);
}

BOOST_AUTO_TEST_CASE(montage_rejects_bad_input) {
  BOOST_CHECK_THROW(dn::Montage({}), std::invalid_argument);
  BOOST_CHECK_THROW(dn::Montage({Ramp(2, 2, 1), Ramp(2, 3, 1)}), std::invalid_argument);
  BOOST_CHECK_THROW(dn::Montage({Ramp(2, 2, 1), Ramp(2, 2, 3)}), std::invalid_argument);
  BOOST_CHECK_THROW(dn::Montage({dn::Image<double>()}), std::invalid_argument);
  dn::MontageOptions options;
  options.background = std::nan("");
  BOOST_CHECK_THROW(dn::Montage({Ramp(2, 2, 1)}, options), std::invalid_argument);
  options = dn::MontageOptions();
  options.scale = std::size_t(1) << 40;
  BOOST_CHECK_THROW(dn::Montage({Ramp(2, 2, 1)}, options), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(filter_montage_grey_and_colour) {
  dn::MontageOptions options;
  options.scale = 1;
  options.separator = 1;
  // Grey: one tile per filter.
  dn::FilterBank<float> grey(5, 1, 3, 4);
  grey.data.randn();
  dn::Image<double> m = dn::FilterMontage(grey, options);
  BOOST_TEST(m.n_slices == 1u);
  BOOST_TEST(m.n_rows == 2u * 3 + 3);  // 3 columns, 2 rows
  BOOST_TEST(m.n_cols == 3u * 4 + 4);
  // Colour: one RGB tile per filter.
  dn::FilterBank<double> colour(4, 3, 2, 2);
  colour.data.randn();
  m = dn::FilterMontage(colour, options);
  BOOST_TEST(m.n_slices == 3u);
  BOOST_TEST(m.n_rows == 2u * 2 + 3);
  BOOST_TEST(m.n_cols == 2u * 2 + 3);
  // The first tile equals the Montage of filter 0's channels.
  dn::Image<double> tile0(2, 2, 3);
  for (arma::uword c = 0; c < 3; ++c) tile0.slice(c) = colour.Filter(0, c);
  const dn::Image<double> single = dn::Montage({tile0}, options);
  BOOST_TEST(arma::approx_equal(m.subcube(1, 1, 0, 2, 2, 2), single.subcube(1, 1, 0, 2, 2, 2),
                                "absdiff", 1e-15));
}

BOOST_AUTO_TEST_CASE(filter_montage_other_channel_counts_are_k_major) {
  // K = 2, C = 2: tiles (0,0), (0,1), (1,0), (1,1). Only (0, 1) is constant.
  dn::FilterBank<double> bank(2, 2, 2, 2);
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t c = 0; c < 2; ++c) {
      bank.Filter(k, c) = {{0.0, 1.0}, {2.0, 3.0 + double(k + c)}};
    }
  }
  bank.Filter(0, 1).fill(4.0);
  dn::MontageOptions options;
  options.scale = 1;
  options.separator = 1;
  options.columns = 4;
  const dn::Image<double> m = dn::FilterMontage(bank, options);
  BOOST_REQUIRE(m.n_slices == 1u && m.n_rows == 4u && m.n_cols == 4u * 2 + 5);
  // Tile 1 (columns 4-5) is the constant one.
  BOOST_TEST(m(1, 4, 0) == 0.5);
  BOOST_TEST(m(2, 5, 0) == 0.5);
  for (std::size_t t : {0u, 2u, 3u}) {
    BOOST_TEST(m(1, 1 + 3 * t, 0) == 0.0);
    BOOST_TEST(m(2, 2 + 3 * t, 0) == 1.0);
  }
  dn::FilterBank<float> empty;
  BOOST_CHECK_THROW(dn::FilterMontage(empty), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(maps_montage_one_tile_per_slice) {
  dn::Maps<float> maps(6, 5, 3, arma::fill::zeros);
  maps(2, 3, 0) = -4.0f;     // a sparse map: one strong negative and one weaker positive entry
  maps(4, 1, 0) = 1.0f;
  maps.slice(1).fill(2.0f);  // constant
  // slice 2 stays all zero: an unused map
  dn::MontageOptions options;
  options.scale = 2;
  options.separator = 1;
  const dn::Image<double> m = dn::MapsMontage(maps, options);
  BOOST_REQUIRE(m.n_slices == 1u);
  BOOST_TEST(m.n_rows == 2u * 12 + 3);  // 2 columns, 2 rows
  BOOST_TEST(m.n_cols == 2u * 10 + 3);
  // Tiles show sqrt(|z| / max |z|): zero is black whatever the sign of the activity.
  BOOST_TEST(m(1 + 2 * 2, 1 + 2 * 3, 0) == 1.0);        // sqrt(|-4| / 4)
  BOOST_TEST(m(1 + 2 * 4, 1 + 2 * 1, 0) == 0.5);        // sqrt(|1| / 4)
  BOOST_TEST(m(1, 1, 0) == 0.0);                        // zero entry of tile 0
  BOOST_TEST(m(1, 1 + 10 + 1, 0) == 1.0);               // tile 1 (constant 2) at row 0, column 1
  BOOST_TEST(m(1 + 12 + 1, 1, 0) == 0.0);               // tile 2, all zero: black
  BOOST_TEST(m(m.n_rows - 1, m.n_cols - 1, 0) == 1.0);  // border is background (white)
  // The last grid cell (row 1, column 1) is empty: background.
  BOOST_TEST(m(1 + 12 + 1 + 5, 1 + 10 + 1 + 5, 0) == 1.0);
  dn::Maps<double> maps64 = arma::conv_to<arma::cube>::from(maps);
  BOOST_TEST(arma::approx_equal(dn::MapsMontage(maps64, options), m, "absdiff", 1e-6));
  BOOST_CHECK_THROW(dn::MapsMontage(dn::Maps<double>()), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
