// The data weight in the fused convolutional solvers (csc_solver.hpp):
//   minimise 1/2 ||W (D z - s)||^2 + lambda ||z||_1
// FISTA through W^2 in the gradient, ADMM by mask decoupling (admm_mask_decoupling.hpp, which
// also gives ADMM the valid boundary), coordinate descent on the weighted residual W^2 r.
// Checked: an all-ones weight is the unweighted problem; the adjoint identity with a mask; ADMM's
// valid optimum is FISTA's; the KKT conditions with a mask, for every solver and boundary; unknown pixels do not matter; bad weights are refused; the
// batch learner with weights (all ones: the unweighted run; a mask: its recorded objective is the
// weighted one and falls).
#define BOOST_TEST_MODULE masked_coding
#include <boost/test/unit_test.hpp>

#include "conv/conv_operator.hpp"
#include "dictionary/dictionary.hpp"
#include "learning/dictionary_learning.hpp"
#include "solvers/admm.hpp"
#include "solvers/csc_solver.hpp"
#include "test_support.hpp"

using namespace dn;
using namespace dn::test;

namespace {

template <typename T>
struct MaskedProblem {
  FilterBank<T> filters;
  Image<T> signal, mask;
  std::unique_ptr<ConvOperator<T>> op;
  MaskedProblem(arma::uword size, arma::uword K, arma::uword C, arma::uword h, Boundary boundary,
                double known) {
    filters = RandomFilters<T>(K, C, h, h);
    signal.randn(size, size, C);
    arma::Mat<double> draw(size, size, arma::fill::randu);
    mask.set_size(size, size, C);
    for (arma::uword c = 0; c < C; ++c)  // the same pixels missing in every channel
      mask.slice(c) = arma::conv_to<arma::Mat<T>>::from(arma::umat(draw < known));
    op = std::make_unique<ConvOperator<T>>(filters, size, size, boundary);
  }
};

template <typename T>
Maps<T> Solve(const std::string& name, const MaskedProblem<T>& p, const Image<T>& signal,
              const Image<T>* weight, double lambda, std::size_t iterations,
              double* objective = nullptr) {
  auto solver = MakeCscSolver<T>(name);
  solver->Reset(*p.op, signal, lambda, nullptr, weight);
  SolveOptions options;
  options.maxIterations = iterations;
  const SolveReport report = solver->Solve(options);
  if (objective) *objective = report.last.objective;
  return solver->Solution();
}

//! 1/2 ||W (D z - s)||^2 + lambda ||z||_1 in double, by the operator's Apply.
template <typename T>
double WeightedObjective(const MaskedProblem<T>& p, const Maps<T>& z, const Image<T>& weight,
                         double lambda) {
  const Image<T> r = p.op->Apply(z) - p.signal;
  double fidelity = 0, l1 = 0;
  for (arma::uword i = 0; i < r.n_elem; ++i)
    fidelity += 0.5 * double(weight[i]) * double(weight[i]) * double(r[i]) * double(r[i]);
  for (arma::uword i = 0; i < z.n_elem; ++i) l1 += std::abs(double(z[i]));
  return fidelity + lambda * l1;
}

//! Largest violation of the optimality conditions relative to lambda, with the gradient
//! D^T W^2 (D z - s).
template <typename T>
double WeightedKkt(const MaskedProblem<T>& p, const Maps<T>& z, double lambda) {
  const Image<T> r = p.op->Apply(z) - p.signal;
  const Maps<T> g = p.op->Adjoint(Image<T>(r % p.mask % p.mask));
  double violation = 0;
  for (arma::uword i = 0; i < z.n_elem; ++i)
    violation =
        std::max(violation, z[i] != T(0) ? std::abs(double(g[i]) + lambda * (z[i] > 0 ? 1 : -1))
                                         : std::max(0.0, std::abs(double(g[i])) - lambda));
  return violation / lambda;
}

}  // namespace

BOOST_AUTO_TEST_CASE(all_ones_weight_is_the_unweighted_problem) {
  Seed(1521);
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    MaskedProblem<double> p(20, 3, 2, 4, b, 1.0);
    const Image<double> ones(20, 20, 2, arma::fill::ones);
    // FISTA: valid takes the same spatial residual either way (bit for bit); circular moves
    // from the frequency domain to space (equal to rounding).
    const Maps<double> weighted = Solve<double>("fista", p, p.signal, &ones, 0.1, 60);
    const Maps<double> plain = Solve<double>("fista", p, p.signal, nullptr, 0.1, 60);
    const double difference = MaxAbs<double>(weighted - plain) / MaxAbs(plain);
    BOOST_TEST_MESSAGE("fista " << ToString(b) << ": relative difference " << difference);
    BOOST_TEST(difference <= (b == Boundary::Valid ? 0.0 : 1e-12));
    // ADMM: mask decoupling with W = 1 and the plain circular ADMM reach the same optimum.
    if (b == Boundary::Circular) {
      double decoupled = 0, direct = 0;
      Solve<double>("admm", p, p.signal, &ones, 0.1, 400, &decoupled);
      Solve<double>("admm", p, p.signal, nullptr, 0.1, 400, &direct);
      BOOST_TEST_MESSAGE("admm circular: objectives " << decoupled << " and " << direct);
      BOOST_TEST(std::abs(decoupled - direct) <= Tolerance<double>::optimum * direct);
    }
    // cd: the same updates; only the column norms are summed in another order.
    const Maps<double> cdWeighted = Solve<double>("cd", p, p.signal, &ones, 0.1, 20);
    const Maps<double> cdPlain = Solve<double>("cd", p, p.signal, nullptr, 0.1, 20);
    const double cdDifference = MaxAbs<double>(cdWeighted - cdPlain) / MaxAbs(cdPlain);
    BOOST_TEST_MESSAGE("cd " << ToString(b) << ": relative difference " << cdDifference);
    BOOST_TEST(cdDifference <= 1e-12);
  }
}

BOOST_AUTO_TEST_CASE(adjoint_identity_with_a_mask) {
  // <W D z, r> = <z, D^T W r>: the gradient the weighted solvers use is the adjoint's.
  Seed(1522);
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    MaskedProblem<double> p(18, 3, 3, 5, b, 0.5);
    const Maps<double> z(p.op->MapRows(), p.op->MapCols(), 3, arma::fill::randn);
    const Image<double> r(18, 18, 3, arma::fill::randn);
    const double left = Dot<double>(p.op->Apply(z) % p.mask, r);
    const double right = Dot<double>(z, p.op->Adjoint(r % p.mask));
    BOOST_TEST(std::abs(left - right) <= Tolerance<double>::adjoint * std::abs(left));
  }
}

BOOST_AUTO_TEST_CASE(admm_valid_boundary_reaches_fistas_optimum) {
  // The mask decoupling of the valid boundary: no weight, W = 1 on the image, 0 on the padding.
  Seed(1523);
  for (arma::uword C : {1, 3}) {
    MaskedProblem<double> p(19, 4, C, 5, Boundary::Valid, 1.0);  // map 23, padded grid 24
    double admm = 0, fista = 0;
    Solve<double>("admm", p, p.signal, nullptr, 0.1, 1000, &admm);
    Solve<double>("fista", p, p.signal, nullptr, 0.1, 5000, &fista);
    BOOST_TEST_MESSAGE("valid, C " << C << ": admm " << admm << ", fista " << fista);
    BOOST_TEST(std::abs(admm - fista) <= Tolerance<double>::optimum * fista);
  }
}

BOOST_AUTO_TEST_CASE(kkt_conditions_hold_with_a_mask) {
  Seed(1524);
  const double lambda = 0.1;
  for (Boundary b : {Boundary::Valid, Boundary::Circular})
    for (arma::uword C : {1, 3}) {
      MaskedProblem<double> p(19, 4, C, 5, b, 0.5);
      double objective = 0;
      const Maps<double> z = Solve<double>("admm", p, p.signal, &p.mask, lambda, 5000, &objective);
      const double violation = WeightedKkt(p, z, lambda);
      const double direct = WeightedObjective(p, z, p.mask, lambda);
      BOOST_TEST_MESSAGE("admm " << ToString(b) << " C " << C << ": KKT violation " << violation
                                 << " of lambda, objective " << objective);
      BOOST_TEST(violation <= Tolerance<double>::kkt);
      BOOST_TEST(std::abs(objective - direct) <= 1e-10 * direct);  // the reported objective
      // FISTA on the same problem: its objective comes down to ADMM's optimum.
      double fista = 0;
      const Maps<double> zf = Solve<double>("fista", p, p.signal, &p.mask, lambda, 3000, &fista);
      BOOST_TEST(std::abs(WeightedObjective(p, zf, p.mask, lambda) - fista) <= 1e-10 * fista);
      BOOST_TEST_MESSAGE("  fista objective " << fista);
      BOOST_TEST(fista >= objective * (1 - Tolerance<double>::optimum));
      // cd: the optimality conditions, and the objective it reports is the weighted one.
      double cd = 0;
      const Maps<double> zc = Solve<double>("cd", p, p.signal, &p.mask, lambda, 200, &cd);
      const double cdViolation = WeightedKkt(p, zc, lambda);
      BOOST_TEST_MESSAGE("  cd: KKT violation " << cdViolation << ", objective " << cd);
      BOOST_TEST(cdViolation <= Tolerance<double>::kkt);
      BOOST_TEST(std::abs(WeightedObjective(p, zc, p.mask, lambda) - cd) <= 1e-10 * cd);
      BOOST_TEST(fista <= objective * (1 + 1e-4));
    }
  // Single precision, as learning runs.
  MaskedProblem<float> p(20, 4, 1, 5, Boundary::Valid, 0.5);
  const Maps<float> z = Solve<float>("admm", p, p.signal, &p.mask, lambda, 500);
  const double violation = WeightedKkt(p, z, lambda);
  BOOST_TEST_MESSAGE("admm float valid: KKT violation " << violation << " of lambda");
  BOOST_TEST(violation <= Tolerance<float>::kkt);
}

BOOST_AUTO_TEST_CASE(unknown_pixels_do_not_matter) {
  Seed(1525);
  for (Boundary b : {Boundary::Valid, Boundary::Circular}) {
    MaskedProblem<double> p(20, 3, 1, 5, b, 0.5);
    Image<double> corrupted = p.signal;
    corrupted.elem(arma::find(p.mask == 0.0)) *= 100.0;
    // FISTA multiplies the residual by W^2 = 0 there: the same iterates, bit for bit.
    const Maps<double> clean = Solve<double>("fista", p, p.signal, &p.mask, 0.1, 50);
    BOOST_TEST(arma::approx_equal(Solve<double>("fista", p, corrupted, &p.mask, 0.1, 50), clean,
                                  "absdiff", 0.0));
    // So does ADMM, which zeroes them before its split sees them; NaN there is no harm either.
    const Maps<double> admm = Solve<double>("admm", p, p.signal, &p.mask, 0.1, 50);
    BOOST_TEST(arma::approx_equal(Solve<double>("admm", p, corrupted, &p.mask, 0.1, 50), admm,
                                  "absdiff", 0.0));
    corrupted.elem(arma::find(p.mask == 0.0)).fill(std::numeric_limits<double>::quiet_NaN());
    BOOST_TEST(arma::approx_equal(Solve<double>("admm", p, corrupted, &p.mask, 0.1, 50), admm,
                                  "absdiff", 0.0));
    BOOST_TEST(arma::approx_equal(Solve<double>("fista", p, corrupted, &p.mask, 0.1, 50), clean,
                                  "absdiff", 0.0));
    // cd keeps W^2 r, exactly 0 there.
    const Maps<double> cd = Solve<double>("cd", p, p.signal, &p.mask, 0.1, 20);
    BOOST_TEST(arma::approx_equal(Solve<double>("cd", p, corrupted, &p.mask, 0.1, 20), cd,
                                  "absdiff", 0.0));
  }
}

BOOST_AUTO_TEST_CASE(bad_weights_are_refused) {
  Seed(1526);
  MaskedProblem<double> p(12, 2, 1, 3, Boundary::Valid, 0.5);
  const auto message = [&](const std::string& name, const Image<double>& weight) {
    try {
      MakeCscSolver<double>(name)->Reset(*p.op, p.signal, 0.1, nullptr, &weight);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  for (const char* name : {"fista", "ista", "admm", "cd"}) {
    BOOST_TEST(message(name, Image<double>(12, 11, 1, arma::fill::ones)).find("shaped") !=
               std::string::npos);
    BOOST_TEST(message(name, Image<double>(12, 12, 1, arma::fill::zeros)).find("zero everywhere") !=
               std::string::npos);
    Image<double> negative(12, 12, 1, arma::fill::ones);
    negative(3, 4, 0) = -1;
    BOOST_TEST(message(name, negative).find(">= 0") != std::string::npos);
    Image<double> nan(12, 12, 1, arma::fill::ones);
    nan(0, 0, 0) = std::numeric_limits<double>::quiet_NaN();
    BOOST_TEST(message(name, nan).find("finite") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(learning_with_weights) {
  Seed(1527);
  for (const char* solver : {"fista", "admm", "cd"}) {
    std::vector<Image<double>> images, ones, masks;
    for (int i = 0; i < 3; ++i) {
      images.push_back(Image<double>(16, 15, 1, arma::fill::randn));
      ones.push_back(Image<double>(16, 15, 1, arma::fill::ones));
      Image<double> mask(16, 15, 1, arma::fill::randu);
      masks.push_back(Image<double>(arma::conv_to<arma::cube>::from(mask > 0.3)));
    }
    LearningOptions options;
    options.iterations = 8;
    options.solver = solver;
    const FilterBank<double> start = RandomFilters<double>(3, 1, 4, 4);
    // All-ones weights: the unweighted run (valid: the same residuals, bit for bit).
    DictionaryLearner<double> plain(options, images, start);
    DictionaryLearner<double> weighted(options, images, start, ones);
    const IterationRecord a = plain.Run(), b = weighted.Run();
    BOOST_TEST_MESSAGE(solver << ": objectives " << a.objective << " and " << b.objective);
    if (std::string(solver) == "fista")
      BOOST_TEST(
          arma::approx_equal(plain.Dictionary().data, weighted.Dictionary().data, "absdiff", 0.0));
    BOOST_TEST(std::abs(a.objective - b.objective) <= 1e-6 * a.objective);
    // A mask: the recorded objective is sum_i 1/2 ||W_i (D z_i - s_i)||^2 + lambda ||z_i||_1,
    // and it comes down.
    DictionaryLearner<double> masked(options, images, start, masks);
    RecordKeeper keeper;
    const IterationRecord last = masked.Run(&keeper);
    ConvOperator<double> op(masked.Dictionary(), 16, 15, options.boundary);
    double direct = 0;
    for (std::size_t i = 0; i < images.size(); ++i) {
      const Image<double> r = (op.Apply(masked.MapsOf(i)) - images[i]) % masks[i];
      direct += 0.5 * Dot(r, r) + options.lambda * arma::accu(arma::abs(masked.MapsOf(i)));
    }
    BOOST_TEST_MESSAGE(solver << " masked: objective " << keeper.records.front().objective << " -> "
                              << last.objective << ", direct " << direct);
    BOOST_TEST(std::abs(direct - last.objective) <= 1e-9 * direct);
    BOOST_TEST(last.objective < keeper.records.front().objective);
  }
}
