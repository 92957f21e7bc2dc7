#!/usr/bin/env bash
# big_schema_test.sh - huge schemas generate; templates that multiply do not
# (issue 13).
#
# usage: big_schema_test.sh TOPICGEN SCHEMAS_DIR RUNTIME_DIR WORK_DIR [CC]
#
# 1. A schema of 1,000 messages x 20 fields (big_schema.sh: every kind of
#    field, messages that hold each other, unions) generates, its
#    `--check` round trip finds nothing stale, and every generated .c
#    compiles (CC -fsyntax-only at the project's warnings, -Werror) - with
#    -Wno-misleading-indentation: that gcc warning is quadratic in the
#    length of a file (19 MB of big.c: 3 minutes with it, 2.5 s without).
# 2. A schema whose messages hold each other 60 levels deep (2^60 paths)
#    generates at once: per-message results are computed once.
# 3. Template overrides that truly multiply (sections nested over lists
#    that repeat an enclosing list for every item) are refused quickly, at
#    the section that multiplied, in the override file that holds it, and
#    nothing is written.
# Time and memory are measured by bench/generator_bench.sh, not here.
set -u

topicgen=$1
schemas=$2
runtime=$3
work=$4
cc=${5:-cc}
here=$(cd "$(dirname "$0")" && pwd)
tg=("$topicgen") # how run() calls it

rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 2

passed=0
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
pass() { passed=$((passed + 1)); }

# run NAME EXPECTED_STATUS ARGS...: topicgen with stdout/stderr in
# out.txt/err.txt; checks the exit status.
run() {
    local name=$1 want=$2
    shift 2
    "${tg[@]}" "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit $got, expected $want (topicgen $*)"
        sed 's/^/    stderr: /' err.txt | head -20
        return 1
    fi
    pass
}

# ---- a huge schema -----------------------------------------------------------
bash "$here/big_schema.sh" 1000 20 big >big.yaml
start=$(date +%s)
if run "1000 x 20 generates" 0 -o out big.yaml; then
    for f in big.h big.c big_kafka.h big_kafka.c big_translator.h big_translator.c \
             big_domain.h; do
        [ -s "out/$f" ] && pass || fail "1000 x 20: out/$f is missing or empty"
    done
    # every message got its codec (the last one too)
    grep -q '^tg_json_code big_Msg999_decode(' out/big.c && pass ||
        fail "1000 x 20: no big_Msg999_decode in big.c"
fi
echo "generated in $(($(date +%s) - start)) s: $(du -sh out | cut -f1)"
run "1000 x 20 --check round trip" 0 --check -o out big.yaml
[ -s out.txt ] && fail "1000 x 20 --check: $(head -3 out.txt)" || pass
warn=(-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wcast-qual -Wstrict-prototypes
      -Wmissing-prototypes -Wswitch-enum -Werror -Wno-misleading-indentation)
for src in out/*.c; do
    if msg=$("$cc" -std=c11 "${warn[@]}" -Iout -I"$runtime/json" -I"$runtime/kafka" \
                 -fsyntax-only "$src" 2>&1); then
        pass
    else
        fail "1000 x 20: $src does not compile"
        echo "$msg" | head -20
    fi
done

# ---- messages that hold messages ------------------------------------------------
# Each message holds the one before twice: 2^60 paths from the last to the
# first.  Sizes and defaults are computed once per message (model.c), so
# this takes milliseconds; walked per path, 24 levels took 5 s.
{
    printf 'schema: deep\nversion: 1\nmessages:\n  M0:\n    fields:\n      a: { type: int32, default: 1 }\n'
    for ((k = 1; k <= 60; k++)); do
        printf '  M%d:\n    fields:\n      x: M%d\n      y: { type: array, items: M%d, max_items: 2 }\n      z: M%d\n' \
            "$k" $((k - 1)) $((k - 1)) $((k - 1))
    done
} >deep.yaml
t0=$(date +%s%N)
tg=(timeout 60 "$topicgen") # walked per path, this would run for centuries
run "60 levels of messages holding messages" 0 -o deep-out deep.yaml &&
    [ $((($(date +%s%N) - t0) / 1000000)) -lt 10000 ] && pass ||
    fail "60 levels of messages holding messages: took $((($(date +%s%N) - t0) / 1000000)) ms"
tg=("$topicgen")
grep -q 'deep_M59_init(&msg->z);' deep-out/deep.c 2>/dev/null && pass ||
    fail "60 levels: M60 does not apply the defaults of M59"

# ---- templates that multiply ---------------------------------------------------
# nest N NAME BODY: BODY inside N sections over NAME, one tag a line.
nest() {
    local i
    for ((i = 0; i < $1; i++)); do echo "{{#$2}}"; done
    echo "$3"
    for ((i = 0; i < $1; i++)); do echo "{{/$2}}"; done
}
# refused NAME FILE TEMPLATE EXPECTED_START: the override FILE (in tpl/) makes
# the run fail, quickly, with an error line that starts with EXPECTED_START;
# nothing is written.
refused() {
    rm -rf tpl mult-out
    mkdir -p tpl
    printf '%s\n' "$3" >"tpl/$2"
    local t0 t1
    t0=$(date +%s%N)
    run "$1" 1 --templates tpl -o mult-out "$schemas/crm.yaml" || return
    t1=$(date +%s%N)
    if grep -qF -- "$4" err.txt && [ "$(grep -c . err.txt)" -eq 1 ] &&
       [ "$(grep -F -- "$4" err.txt | cut -c1-${#4})" = "$4" ]; then
        pass
    else
        fail "$1: expected a line starting with '$4'"
        sed 's/^/    stderr: /' err.txt
    fi
    [ $(((t1 - t0) / 1000000)) -lt 5000 ] && pass ||
        fail "$1: refused after $(((t1 - t0) / 1000000)) ms"
    [ -z "$(ls -A mult-out 2>/dev/null)" ] && pass || fail "$1: files were written"
}
# crm has 5 declarations (its customer identity is common.yaml's): 5^9
# renders of the innermost line, past the floor of MU_MAX_TAG_RENDERS
# (1,000,000) and the model's few thousand values.
refused "sections nested over decls" header.h.mustache \
    "/* {{schema}} */
$(nest 9 decls x)" \
    "tpl/header.h.mustache:3:1: error: section 'decls' multiplies the output: it repeats a list of an enclosing context for every item; a tag in it would render more than "
# In a partial, included for every value of every field: the error names the
# partial's override file and the template being rendered.
refused "a partial that multiplies" read_value.mustache \
    "$(nest 8 messages y)" \
    "tpl/read_value.mustache:1:1: error: section 'messages' multiplies the output: it repeats a list of an enclosing context for every item; a tag in it would render more than "
grep -qE '; rendering source\.c\.mustache$' err.txt && pass ||
    fail "a partial that multiplies: the template rendered is not named: $(cat err.txt)"
# The same nesting over a list of the item itself is honest and renders.
rm -rf tpl && mkdir -p tpl
nest 1 decls "$(nest 1 message "$(nest 1 fields "{{name}}")")" >tpl/header.h.mustache
run "sections over nested lists" 0 --templates tpl -o honest-out "$schemas/crm.yaml"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
