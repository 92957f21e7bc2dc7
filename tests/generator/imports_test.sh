#!/usr/bin/env bash
# imports_test.sh - schemas that import schemas (issue 15), from the command
# line: every error of an import with its exact file:line:col text and the
# note at the other place, nothing written when any schema of the set fails,
# search folders (-I), a file imported by two schemas loaded and generated
# once, --check over imported files, and the depfile.
#
# usage: imports_test.sh TOPICGEN WORK_DIR
set -u

topicgen=$1
work=$2

rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 2

passed=0
failed=0

fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

pass() {
    passed=$((passed + 1))
}

# expect_errors NAME EXPECTED_STDERR ARGS...: topicgen exits 1, prints
# exactly EXPECTED_STDERR and writes nothing into out/.
expect_errors() {
    local name=$1 want=$2
    shift 2
    rm -rf out
    "$topicgen" -o out "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" -ne 1 ]; then
        fail "$name: exit $got, expected 1 (topicgen $*)"
        sed 's/^/    stderr: /' err.txt
        return
    fi
    if [ "$(cat err.txt)" != "$want" ]; then
        fail "$name: stderr differs"
        echo "$want" | sed 's/^/    want: /'
        sed 's/^/    got:  /' err.txt
        return
    fi
    if [ -n "$(ls -A out 2>/dev/null)" ]; then
        fail "$name: files were written although the set failed: $(ls out)"
        return
    fi
    pass
}

# importer NAME IMPORTS: NAME.yaml imports IMPORTS ("a.yaml, b.yaml") on its
# line 2 (the list opens at column 10) and holds one message of its own.
importer() {
    printf 'schema: %s\nimports: [%s]\nmessages:\n  M: {fields: {a: int32}}\n' "$1" "$2" >"$1.yaml"
}

cat >common.yaml <<'EOF'
schema: common
enums:
  Currency:
    values: {EUR: EUR, USD: USD}
messages:
  Money:
    topic: common.money
    fields:
      amount: {type: decimal, max_length: 40}
      currency: Currency
EOF

# ---- missing file, search folders ------------------------------------------

cat >missing.yaml <<'EOF'
schema: missing
imports:
  - nope.yaml
messages:
  M: {fields: {a: int32}}
EOF
expect_errors "missing import" \
"missing.yaml:3:5: error: cannot find import 'nope.yaml' (looked in ./)
missing.yaml: 1 error" missing.yaml
mkdir -p inc other
expect_errors "missing import, search folders listed" \
"missing.yaml:3:5: error: cannot find import 'nope.yaml' (looked in ./, inc, other/)
missing.yaml: 1 error" -I inc -Iother/ missing.yaml

# ---- a folder, a symlink loop, not a regular file ---------------------------

importer folder "inc"
expect_errors "folder" \
"folder.yaml:2:11: error: cannot import inc: it is a folder, not a schema file
folder.yaml: 1 error" folder.yaml

ln -s loop_b.yaml loop_a.yaml
ln -s loop_a.yaml loop_b.yaml
importer loop "loop_a.yaml"
expect_errors "symlink loop" \
"loop.yaml:2:11: error: cannot import loop_a.yaml: Too many levels of symbolic links
loop.yaml: 1 error" loop.yaml

mkfifo fifo.yaml
importer fifo_user "fifo.yaml"
expect_errors "not a regular file" \
"fifo_user.yaml:2:11: error: cannot import fifo.yaml: not a regular file
fifo_user.yaml: 1 error" fifo_user.yaml

if [ "$(id -u)" -ne 0 ]; then
    cp common.yaml secret.yaml
    chmod 000 secret.yaml
    importer secret_user "secret.yaml"
    expect_errors "unreadable" \
"secret_user.yaml:2:11: error: cannot import secret.yaml: Permission denied
secret_user.yaml: 1 error" secret_user.yaml
fi

# ---- an error inside an imported file ----------------------------------------

cat >broken.yaml <<'EOF'
schema: broken
messages:
  B: {fields: {a: int33}}
EOF
cat >uses_broken.yaml <<'EOF'
schema: uses_broken
imports: [broken.yaml]
messages:
  M: {fields: {b: broken.B}}
EOF
expect_errors "error in an imported file" \
"broken.yaml:3:19: error: unknown type 'int33'; did you mean 'int32'?
uses_broken.yaml: 1 error" uses_broken.yaml

# ---- an imported file gets the same checks as one named -----------------------

printf 'schema: tabbed\nmessages:\n\tT: {fields: {a: int32}}\n' >tabbed.yaml
importer uses_tabbed "tabbed.yaml"
expect_errors "a tab in an imported file" \
"tabbed.yaml:3:1: error: tab character: indent and separate with spaces (\\t inside double quotes)
uses_tabbed.yaml: 1 error" uses_tabbed.yaml

printf 'schema: bad_utf8\nmessages:\n  M: {fields: {a: int32}} # \xff\n' >bad_utf8.yaml
importer uses_bad_utf8 "bad_utf8.yaml"
expect_errors "invalid UTF-8 in an imported file" \
"bad_utf8.yaml:3:29: error: invalid UTF-8 (byte 0xff): a schema is UTF-8 text
uses_bad_utf8.yaml: 1 error" uses_bad_utf8.yaml

# Imports nest at most 32 files deep (SCHEMA_IMPORT_MAX_DEPTH).
mkdir -p deep
for i in $(seq 0 40); do
    printf 'schema: d%d\nimports: [d%d.yaml]\nmessages:\n  M: {fields: {a: int32}}\n' "$i" "$((i + 1))" >deep/d$i.yaml
done
printf 'schema: d41\nmessages:\n  M: {fields: {a: int32}}\n' >deep/d41.yaml
expect_errors "imports nested too deep" \
"deep/d31.yaml:2:11: error: cannot import deep/d32.yaml: imports nest deeper than 32 files or a build holds more than 1000
deep/d0.yaml: 1 error" deep/d0.yaml
sed -i 's/imports: \[d10.yaml\]//' deep/d9.yaml
rm -rf out
"$topicgen" -o out --no-translators deep/d0.yaml 2>err.txt && [ -f out/d9.h ] && [ ! -f out/d10.h ] && pass ||
    fail "imports 10 deep: $(cat err.txt)"

# A file that failed is reported once, however many schemas import it, and
# they report nothing about the names they could not see in it.
cat >also_broken.yaml <<'EOF'
schema: also_broken
imports: [broken.yaml]
messages:
  N: {fields: {b: broken.B}}
EOF
cat >two_broken.yaml <<'EOF'
schema: two_broken
imports: [broken.yaml, also_broken.yaml]
messages:
  M: {fields: {b: broken.B}}
EOF
expect_errors "an imported file that fails, imported twice" \
"broken.yaml:3:19: error: unknown type 'int33'; did you mean 'int32'?
two_broken.yaml: 1 error" two_broken.yaml

# ---- cycles --------------------------------------------------------------------

mkdir -p cyc
cat >cyc/a.yaml <<'EOF'
schema: a
imports:
  - b.yaml
messages:
  A: {fields: {x: int32}}
EOF
cat >cyc/b.yaml <<'EOF'
schema: b
imports:
  - c.yaml
messages:
  B: {fields: {x: int32}}
EOF
cat >cyc/c.yaml <<'EOF'
schema: c
imports: [a.yaml]
messages:
  C: {fields: {x: int32}}
EOF
expect_errors "import cycle" \
"cyc/c.yaml:2:11: error: import cycle: cyc/a.yaml -> cyc/b.yaml -> cyc/c.yaml -> cyc/a.yaml
cyc/a.yaml:3:5: note: cyc/a.yaml imports cyc/b.yaml here
cyc/a.yaml: 1 error" cyc/a.yaml
importer self "self.yaml"
expect_errors "a file importing itself" \
"self.yaml:2:11: error: import cycle: self.yaml -> self.yaml
self.yaml: 1 error" self.yaml

# ---- names -----------------------------------------------------------------------

cat >names.yaml <<'EOF'
schema: names
imports: [common.yaml]
messages:
  Order:
    fields:
      a: common.Mony
      b: comon.Money
      c: Money
      d: {type: array, items: common.Curency}
unions:
  U:
    discriminator: t
    variants:
      x: {message: common.Monie}
EOF
expect_errors "unknown qualified names" \
"names.yaml:6:10: error: unknown type 'common.Mony'; did you mean 'common.Money'?
common.yaml:1:9: note: schema 'common' is defined here
names.yaml:7:10: error: unknown type 'comon.Money': this file imports no schema named 'comon'; did you mean 'common'?
names.yaml:8:10: error: unknown type 'Money'; did you mean 'common.Money'?
names.yaml:9:31: error: unknown type 'common.Curency'; did you mean 'common.Currency'?
common.yaml:1:9: note: schema 'common' is defined here
names.yaml:14:20: error: variant 'x': unknown message 'common.Monie'; did you mean 'common.Money'?
common.yaml:1:9: note: schema 'common' is defined here
names.yaml: 5 errors" names.yaml

cat >noimports.yaml <<'EOF'
schema: noimports
messages:
  M: {fields: {a: common.Money}}
EOF
expect_errors "qualified name without imports" \
"noimports.yaml:3:19: error: unknown type 'common.Money': this file imports no schema named 'common' (it has no imports)
noimports.yaml: 1 error" noimports.yaml

cat >app_base.yaml <<'EOF'
schema: app_base
messages:
  Money: {fields: {a: int32}}
EOF
cat >app.yaml <<'EOF'
schema: app
imports: [app_base.yaml]
messages:
  base_Money: {fields: {a: int32}}
EOF
expect_errors "local name with an imported C name" \
"app.yaml:4:3: error: type 'base_Money' has the C name 'app_base_Money', as 'app_base.Money' of imported schema 'app_base' has
app_base.yaml:3:3: note: 'Money' defined here
app.yaml: 1 error" app.yaml

mkdir -p x y
cp common.yaml x/common.yaml
cp common.yaml y/common.yaml
cat >twice.yaml <<'EOF'
schema: twice
imports:
  - x/common.yaml
  - y/common.yaml
messages:
  M: {fields: {a: int32}}
EOF
expect_errors "two imported schemas with one name" \
"y/common.yaml:1:9: error: schema name 'common' is already used by x/common.yaml; each schema of a build needs its own name (its C prefix)
x/common.yaml:1:9: note: 'common' named here
twice.yaml: 1 error" twice.yaml

cat >common_self.yaml <<'EOF'
schema: common
imports: [common.yaml]
messages:
  M: {fields: {a: int32}}
EOF
expect_errors "an importer named as its import" \
"common_self.yaml:1:9: error: schema name 'common' is already used by common.yaml; each schema of a build needs its own name (its C prefix)
common.yaml:1:9: note: 'common' named here
common_self.yaml: 1 error" common_self.yaml

cat >dup.yaml <<'EOF'
schema: dup
imports:
  - common.yaml
  - ./common.yaml
messages:
  M: {fields: {a: int32}}
EOF
expect_errors "the same file imported twice" \
"dup.yaml:4:5: error: './common.yaml' is imported twice
dup.yaml:3:5: note: first imported here as 'common.yaml'
dup.yaml: 1 error" dup.yaml

cat >notlist.yaml <<'EOF'
schema: notlist
imports: common.yaml
messages:
  M: {fields: {a: int32}}
EOF
expect_errors "imports not a list" \
"notlist.yaml:2:10: error: imports must be a list of schema files
notlist.yaml: 1 error" notlist.yaml

# A set fails as a whole: a good schema named with a bad one writes nothing.
expect_errors "nothing written when one schema of the set fails" \
"names.yaml:6:10: error: unknown type 'common.Mony'; did you mean 'common.Money'?
common.yaml:1:9: note: schema 'common' is defined here
names.yaml:7:10: error: unknown type 'comon.Money': this file imports no schema named 'comon'; did you mean 'common'?
names.yaml:8:10: error: unknown type 'Money'; did you mean 'common.Money'?
names.yaml:9:31: error: unknown type 'common.Curency'; did you mean 'common.Currency'?
common.yaml:1:9: note: schema 'common' is defined here
names.yaml:14:20: error: variant 'x': unknown message 'common.Monie'; did you mean 'common.Money'?
common.yaml:1:9: note: schema 'common' is defined here
topicgen: 5 errors" common.yaml names.yaml

# ---- a good set ----------------------------------------------------------------

mkdir -p shared
mv common.yaml shared/common.yaml
cat >shop.yaml <<'EOF'
schema: shop
imports: [common.yaml]
messages:
  Price: {fields: {value: common.Money}}
EOF
cat >pay.yaml <<'EOF'
schema: pay
imports: [common.yaml]
messages:
  Payment: {fields: {amount: common.Money, currency: common.Currency}}
EOF
rm -rf out
if "$topicgen" -o out -I shared --no-translators --depfile deps.d shop.yaml pay.yaml 2>err.txt; then
    pass
else
    fail "good set: exit $? ($(cat err.txt))"
fi
want_files="common.c common.h common_kafka.c common_kafka.h pay.c pay.h pay_kafka.c pay_kafka.h shop.c shop.h shop_kafka.c shop_kafka.h"
got_files=$(ls out | tr '\n' ' ' | sed 's/ $//')
[ "$got_files" = "$want_files" ] && pass || fail "good set: files '$got_files', expected '$want_files'"
grep -q '^#include "common.h" /\* imported schema common \*/$' out/shop.h && pass ||
    fail "shop.h does not include common.h"
grep -q 'common_Money amount;' out/pay.h && pass || fail "pay.h does not use common_Money"
grep -q 'typedef struct common_Money' out/pay.h && fail "pay.h defines common_Money again" || pass
# Nothing of the imported schema's Kafka binding is pulled in: common's topic
# has its wrappers in common_kafka.h alone.
grep -q 'common_Money_send' out/common_kafka.h && pass || fail "common_kafka.h has no common_Money_send"
grep -l 'common_Money_send\|common\.money' out/shop* out/pay* && fail "common's topic leaked into shop or pay" || pass
# A depfile's paths are escaped as Make reads them.
mkdir -p "my out"
"$topicgen" -o "my out" -I shared --no-translators --depfile deps2.d shop.yaml 2>err.txt &&
    [ "$(cut -d: -f1 deps2.d)" = 'my\ out/shop.h' ] && pass ||
    fail "depfile target with a space: '$(cat deps2.d)' $(cat err.txt)"
real=$(cd shared && pwd -P)/common.yaml
want_deps="out/shop.h: $real $(pwd -P)/shop.yaml $(pwd -P)/pay.yaml"
[ "$(cat deps.d)" = "$want_deps" ] && pass || fail "depfile: '$(cat deps.d)', expected '$want_deps'"

# --check covers the imported schema's files too.
"$topicgen" -o out -I shared --no-translators --check shop.yaml pay.yaml >out.txt 2>&1 && pass ||
    fail "--check of a fresh set: $(cat out.txt)"
echo "/* edited */" >>out/common.h
"$topicgen" -o out -I shared --no-translators --check shop.yaml >out.txt 2>&1
status=$?
[ "$status" -eq 3 ] && [ "$(cat out.txt)" = "stale: out/common.h" ] && pass ||
    fail "--check of an edited imported header: exit $status, '$(cat out.txt)'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
