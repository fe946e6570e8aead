# --help (and -h) exits 0 and lists every option with its default; nothing goes to stderr.
source "$(dirname "$0")/common.bash"

# expect_help TOOL FRAGMENT...: every fragment must appear in TOOL --help.
expect_help() {
  local tool=$1 fragment
  shift
  for flag in --help -h; do
    expect_ok "$tool" "$flag" || continue
    [ -s "$WORK/stderr" ] && fail "$tool $flag printed on stderr"
    grep -q "^Usage: $tool " "$WORK/stdout" || fail "$tool $flag has no usage line"
  done
  for fragment in "$@"; do
    grep -qF -- "$fragment" "$WORK/stdout" || fail "$tool --help lacks '$fragment'"
  done
}

GENERAL=("--config FILE" "--verbose [=BOOL(=true)] (=false)" "--help")
expect_help dn-learn "--out DIR" "--filters K (=64)" "--filter-size S (=8)" "--lambda L (=0.1)" \
  "--iterations N (=200)" "--coding-iterations N (=1)" "--dictionary-method M (=fista)" \
  "--dictionary-iterations N (=2)" "--zero-mean [=BOOL(=true)] (=false)" "--solver S (=auto)" \
  "--boundary B (=valid)" "--preprocess M (=highpass)" "--highpass-lambda L (=5)" "--highpass-pad P (=16)" \
  "--lcn-sigma S (=2)" "--colour [=BOOL(=true)] (=false)" "--init D.npy" "--seed N (=1)" \
  "--threads N (=0)" "--precision P (=single)" "--planner P (=estimate)" "--input PATH" \
  "--layers N" "--layer2.filters K" "--layer4.inference M" "--layer3.pooling P" \
  "--layer1.connectivity C" "${GENERAL[@]}"
tr -s ' \n' ' ' <"$WORK/stdout" | grep -q "results may then differ in the last bits between runs" ||
  fail "dn-learn --help lacks the caveat of --planner measure"
expect_help dn-reconstruct "--model DIR" "--dictionary D.npy" "--lambda L" "--out DIR" \
  "--iterations N (=200)" "--tolerance T (=0)" "--solver S (=auto)" "--boundary B (=valid)" \
  "--preprocess M (=highpass)" "--highpass-lambda L (=5)" "--highpass-pad P (=16)" \
  "--lcn-sigma S (=2)" "--colour [=BOOL(=true)] (=false)" "--precision P (=single)" \
  "--threads N (=0)" "--planner P (=estimate)" "--input PATH" "--layer L (=1)" "${GENERAL[@]}"
expect_help dn-inspect "--model DIR" "--out FILE.png" "--image IMG" "--maps FILE.png" \
  "--iterations N " "(default: the model's)" "--threads N (=0)" "--layer L (=1)" "${GENERAL[@]}"
# The model supplies the default, so --help shows no number for it.
grep -q -- "--iterations N (=" "$WORK/stdout" && fail "dn-inspect --help shows a default for --iterations"

finish
