#!/bin/sh
# Runs one fuzz target, starting from its regression inputs, politely (nice, one process).
#   fuzz/run.sh <target> [runs [libFuzzer flags…]]   e.g. fuzz/run.sh form_post 10000000 -max_total_time=600
# New corpus entries go to fuzz/corpus/<target>/ (not committed); a crash is written to
# fuzz/artifacts/<target>/ — fix it, then copy the input into tests/fuzz_regressions/<target>/.
set -eu
target=$1
runs=${2:-10000000}
shift $(( $# < 2 ? $# : 2 ))
cd "$(dirname "$0")/.."
case $target in
    backup_tar) max_len=65536 ;;
    store_dump) max_len=16384 ;;
    form_post) max_len=16384 ;;
    form_definition) max_len=8192 ;;
    *) max_len=4096 ;;
esac
mkdir -p "fuzz/corpus/$target"
# Unpacked backups go to TMPDIR; a RAM disk keeps that fast.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ]; then export TMPDIR=/dev/shm; fi
exec nice -n 19 cargo +nightly fuzz run -O "$target" "fuzz/corpus/$target" \
    "tests/fuzz_regressions/$target" -- \
    -runs="$runs" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 -print_final_stats=1 "$@"
