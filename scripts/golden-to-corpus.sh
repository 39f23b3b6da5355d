#!/usr/bin/env bash
# golden-to-corpus.sh - turn every case of the OpenFlow 1.0 golden files into a
# seed for the decoder fuzzer: tests/golden/of10/*.txt -> tests/fuzz/corpus/of10/NAME
# (raw bytes, one file per case; invalid cases are seeds too, they reach the
# error paths). Pure bash + printf, so it needs nothing beyond coreutils.
#   usage: scripts/golden-to-corpus.sh [GOLDEN_DIR [CORPUS_DIR]]
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-tests/golden/of10}
dst=${2:-tests/fuzz/corpus/of10}
mkdir -p "$dst"

# Writes the hex digits in $2 as bytes to file $1 (comments already removed).
emit() {
    local out=$1 hex=$2 esc="" i
    hex=${hex//[^0-9a-fA-F]/}
    if (( ${#hex} % 2 )); then
        echo "golden-to-corpus: odd number of hex digits in $out" >&2
        exit 1
    fi
    for ((i = 0; i < ${#hex}; i += 2)); do esc+="\\x${hex:i:2}"; done
    printf '%b' "$esc" >"$out"
}

n=0
for f in "$src"/*.txt; do
    name="" hex="" inhex=0
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        case $line in
        "##"*) ;;
        "#"*)
            read -r name _ <<<"${line#\#}"
            [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "$f: bad case name '$name'" >&2; exit 1; }
            inhex=0 ;;
        hex:*) hex=${line#hex:}; hex=${hex%%#*}; inhex=1 ;;
        expect:*)
            [[ -n $name ]] || { echo "$f: expect: without a case name" >&2; exit 1; }
            emit "$dst/$name" "$hex"
            n=$((n + 1)) name="" hex="" inhex=0 ;;
        [[:space:]]*)
            if ((inhex)); then l=${line%%#*}; hex+=$l; fi ;;
        esac
    done <"$f"
done
echo "golden-to-corpus: wrote $n seeds to $dst"
