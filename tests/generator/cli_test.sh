#!/usr/bin/env bash
# cli_test.sh - the topicgen command line: exit statuses and file handling.
#
# usage: cli_test.sh TOPICGEN SCHEMAS_DIR WORK_DIR
#
# Exit statuses (generator/main.c): 0 ok, 1 schema or template errors,
# 2 usage or I/O error, 3 --check found stale or missing files.
set -u

topicgen=$1
schemas=$2
work=$3

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

# run NAME EXPECTED_STATUS ARGS...: run topicgen, keep stdout/stderr in
# out.txt/err.txt, check the exit status.
run() {
    local name=$1 want=$2
    shift 2
    "$topicgen" "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit $got, expected $want (topicgen $*)"
        sed 's/^/    stdout: /' out.txt
        sed 's/^/    stderr: /' err.txt
        return 1
    fi
    pass
    return 0
}

# expect_in NAME FILE TEXT: FILE contains the line TEXT exactly.
expect_in() {
    if grep -qxF -- "$3" "$2"; then
        pass
    else
        fail "$1: no line '$3' in $2"
        sed 's/^/    | /' "$2"
    fi
}

# ---- usage ------------------------------------------------------------------
run "--version" 0 --version && expect_in "--version" out.txt "topicgen 0.1.0"
run "--help" 0 --help && expect_in "--help" out.txt "usage: topicgen [options] SCHEMA.yaml..."
run "-h" 0 -h
run "no arguments" 2 && expect_in "no arguments" err.txt "topicgen: no schema given"
run "unknown option" 2 --frobnicate "$schemas/orders.yaml" &&
    expect_in "unknown option" err.txt "topicgen: unknown option '--frobnicate'"
run "-o without directory" 2 -o
run "-o with an empty directory" 2 -o "" "$schemas/orders.yaml" &&
    expect_in "-o with an empty directory" err.txt "topicgen: option '-o' needs a directory"
run "--templates without directory" 2 "$schemas/orders.yaml" --templates
run "--templates directory missing" 2 --templates no-such-dir -o gen "$schemas/orders.yaml" &&
    expect_in "--templates directory missing" err.txt \
        "topicgen: cannot use templates no-such-dir: No such file or directory"
run "missing schema file" 2 -o gen no-such-schema.yaml &&
    expect_in "missing schema file" err.txt \
        "topicgen: cannot open no-such-schema.yaml: No such file or directory"

# ---- schema errors ------------------------------------------------------------
cat >bad.yaml <<'EOF'
schema: bad
messages:
  A:
    fields:
      a: int33
      class: string
EOF
if run "bad schema" 1 -o bad-out bad.yaml; then
    expect_in "bad schema" err.txt "bad.yaml:5:10: error: unknown type 'int33'; did you mean 'int32'?"
    expect_in "bad schema" err.txt "bad.yaml:6:7: error: field name 'class' is a C++ keyword and would break every C++ file that includes the generated header; rename the field (e.g. 'class_') and keep the JSON key with 'wire_name: class'"
    expect_in "bad schema" err.txt "bad.yaml: 2 errors"
    [ -s out.txt ] && fail "bad schema: diagnostics went to stdout" || pass
    [ -e bad-out/bad.h ] && fail "bad schema: bad-out/bad.h was written" || pass
fi

# ---- generating and --check ----------------------------------------------------
cp "$schemas/orders.yaml" orders.yaml
run "--check on an empty directory" 3 --check -o gen orders.yaml &&
    expect_in "--check on an empty directory" out.txt "missing: gen/orders.h"
expect_in "--check on an empty directory" out.txt "missing: gen/orders.c"

if run "generate" 0 -o gen orders.yaml; then
    for f in orders.h orders.c orders_translator.h orders_translator.c orders_domain.h; do
        [ -s "gen/$f" ] && pass || fail "generate: gen/$f not written"
    done
fi
run "--check after generating" 0 --check -o gen orders.yaml &&
    { [ -s out.txt ] && fail "--check after generating: printed $(cat out.txt)" || pass; }

echo "/* edited */" >>gen/orders.h
run "--check after editing a header" 3 --check -o gen orders.yaml &&
    expect_in "--check after editing a header" out.txt "stale: gen/orders.h"
run "regenerate" 0 -o gen orders.yaml
run "--check after regenerating" 0 --check -o gen orders.yaml

# --emit, -v and --stamp: what a run writes, where, and what it says.
run "--emit without a name" 2 --emit &&
    expect_in "--emit without a name" err.txt "topicgen: option '--emit' needs a name"
run "--emit of no emitter" 2 --emit cobol orders.yaml &&
    expect_in "--emit of no emitter" err.txt "topicgen: --emit cobol: no such emitter (see --help)"
run "--emit NAME= without a folder" 2 --emit c= orders.yaml
run "--emit c=DIR" 0 --emit c=emit-c -o elsewhere orders.yaml &&
    { [ -s emit-c/orders.h ] && [ ! -e elsewhere/orders.h ] && pass ||
      fail "--emit c=DIR: not written to emit-c/ alone"; }
run "-v on a fresh folder" 0 -v -o verbose orders.yaml &&
    expect_in "-v on a fresh folder" out.txt "wrote verbose/orders.h ($(wc -c <verbose/orders.h) bytes)"
run "-v again" 0 --verbose -o verbose orders.yaml &&
    expect_in "-v again" out.txt "unchanged verbose/orders.h"
run "--stamp" 0 --stamp gen/run.stamp --depfile gen/run.d -o gen orders.yaml &&
    expect_in "--stamp" gen/run.stamp "topicgen 0.1.0" &&
    { grep -q "^gen/run.stamp: " gen/run.d && pass || fail "--stamp: the depfile names $(cut -d: -f1 gen/run.d)"; }

# Templates render strictly: the built-in ones define every name they use,
# for every example schema (and the limits test's), --fuzz harness included.
for schema in "$schemas/orders.yaml" "$schemas/workflow.yaml" "$schemas/crm.yaml" \
              "$schemas/../tests/limits/limits.yaml"; do
    run "strict render of $(basename "$schema")" 0 --fuzz -o strict-gen "$schema" &&
        { [ -s err.txt ] && fail "strict render of $schema: $(cat err.txt)" || pass; }
done

# ... and for a schema with every feature once (each kind of value, key,
# constraint, map, nullable and optional fields, a keyed union on a topic),
# so that no path of a template meets a key the model leaves out.
cat >every.yaml <<'EOF'
schema: every
description: "Every feature once.\nTwo lines."
enums:
  Color: {description: A color., values: {RED: red, DARK_BLUE: dark.blue}}
messages:
  Inner:
    fields:
      n: {type: uint64, min: 1, max: 18446744073709551615, default: 7}
  Msg:
    description: A message.
    topic: every.msgs
    key: id
    unknown_fields: reject
    fields:
      id: uuid
      b: {type: bool, description: "A flag."}
      i: {type: int32, min: -5, max: 5, default: -5}
      l: {type: int64, nullable: true}
      u: {type: uint32, optional: true, min: 2}
      f: {type: float64, min: -1.5, max: 1e3, default: 0.25}
      g: {type: float64, max: 1e3}
      s: {type: string, min_length: 2, max_length: 2, default: "ab"}
      t: timestamp
      d: {type: decimal, max_length: 20, default: "-12.50e+3"}
      by: {type: bytes, optional: true, nullable: true}
      j: json
      c: {type: Color, default: dark.blue}
      inner: Inner
      list: {type: array, items: Inner, min_items: 1, max_items: 3}
      tags: {type: map, values: Color, optional: true, max_items: 4}
      ev: Event
      evs: {type: array, items: Event}
  KInt: {topic: k1, key: k, fields: {k: int64}}
  KUint: {topic: k2, key: k, fields: {k: uint32}}
  KEnum: {topic: k3, key: k, fields: {k: Color}}
  KDec: {topic: k4, key: k, fields: {k: decimal}}
  Ping: {fields: {key: string, kind_of: Color}}
unions:
  Event:
    description: Either ping.
    topic: every.events
    key: key
    discriminator: kind
    variants:
      ping: Ping
      ping.v2: {message: Ping, name: ping_v2}
  Loose:
    discriminator: type
    variants: {p: Ping}
EOF
run "strict render of every feature" 0 --fuzz -o strict-gen every.yaml &&
    { [ -s err.txt ] && fail "strict render of every feature: $(cat err.txt)" || pass; }

# ---- user-owned files -------------------------------------------------------------
echo "/* my translator */" >gen/orders_translator.c
run "regenerate keeps the translator" 0 -o gen orders.yaml &&
    expect_in "regenerate keeps the translator" gen/orders_translator.c "/* my translator */"
run "--check ignores the translator" 0 --check -o gen orders.yaml
run "--force overwrites the translator" 0 --force -o gen orders.yaml &&
    { grep -qxF "/* my translator */" gen/orders_translator.c &&
        fail "--force: translator skeleton was not rewritten" || pass; }

# ---- template overrides ------------------------------------------------------------
mkdir -p templates
printf 'x\n{{#enums}}\nno end\n' >templates/header.h.mustache
run "--templates with an unclosed section" 1 --templates templates -o tpl-out orders.yaml &&
    expect_in "--templates with an unclosed section" err.txt \
        "header.h.mustache:4:1: error: unclosed section 'enums' (opened at 2:1)"

printf '/* {{schema}} v{{schema_version}} */\n' >templates/header.h.mustache
run "--templates override" 0 --templates templates -o tpl-out orders.yaml &&
    expect_in "--templates override" tpl-out/orders.h "/* orders v1 */"

# Strict templates: a name the model does not define is an error at its tag,
# with the closest defined names; nothing is written for that file.
strict_case() { # NAME TEMPLATE_FILE TEXT EXPECTED_LINE
    rm -rf strict strict-out
    mkdir -p strict
    printf '%b' "$3" >"strict/$2"
    run "$1" 1 --templates strict -o strict-out orders.yaml &&
        expect_in "$1" err.txt "$4"
    [ -e strict-out/orders.h ] && [ "$2" = header.h.mustache ] &&
        fail "$1: strict-out/orders.h was written" || pass
}
strict_case "override with an unknown variable" header.h.mustache \
    '/* {{schema}} */\n{{#enums}}\n  {{c_nmae}}\n{{/enums}}\n' \
    "header.h.mustache:3:3: error: unknown variable 'c_nmae'; did you mean 'c_name'?"
strict_case "override with an unknown section" header.h.mustache \
    '{{#decls}}{{#mesage}}x{{/mesage}}{{/decls}}\n' \
    "header.h.mustache:1:11: error: unknown section 'mesage'; did you mean 'message'?"
strict_case "override with an unknown inverted section" source.c.mustache \
    '{{#decls}}\n{{#message}}\n{{#fields}}\n{{^optinal}}\n{{/optinal}}\n{{/fields}}\n{{/message}}\n{{/decls}}\n' \
    "source.c.mustache:4:1: error: unknown section 'optinal'; did you mean 'optional'?"
strict_case "override with an unknown partial" source.c.mustache \
    '{{#decls}}\n{{#message}}\n{{#fields}}\n{{#value}}\n    {{>read_vaule}}\n{{/value}}\n{{/fields}}\n{{/message}}\n{{/decls}}\n' \
    "source.c.mustache:5:5: error: unknown partial 'read_vaule'; did you mean 'read_value'?"
strict_case "override partial with an unknown variable" read_value.mustache \
    'x\n{{#is_int}}{{int_low}}{{/is_int}}\n' \
    "read_value:2:12: error: unknown variable 'int_low'; did you mean 'int_lo'?"

# Schema text only in the output context it is escaped for (docs/templates.md,
# "Contexts"): checked in every template before anything renders, also in
# sections that would render nothing for this schema.
strict_case "override with a string literal's text in a comment" header.h.mustache \
    '{{#kafka_types}}\n/* "{{topic_c}}" */\n{{/kafka_types}}\n' \
    "header.h.mustache:2:5: error: variable 'topic_c' holds C string literal content and belongs in a C string literal (\"...\"), not in a comment"
strict_case "override with comment text in code" source.c.mustache \
    '{{#enums}}{{#has_doc}}{{#doc}}\nint {{line}};\n{{/doc}}{{/has_doc}}{{/enums}}\n' \
    "source.c.mustache:2:5: error: variable 'line' holds C comment text and belongs in a C comment, not in code"
strict_case "override partial with comment text that could close its comment" max_size.mustache \
    '/* {{unbounded_why}}*/\n' \
    "max_size:1:4: error: a variable of C comment text must not be followed by '*' (with the text it carries it could form a comment delimiter)"

# An override file whose name matches no built-in template is an error (it
# would never be used), named with the closest built-in names.
rm -rf misnamed && mkdir -p misnamed
printf '/* mine */\n' >misnamed/headr.h.mustache
printf 'notes\n' >misnamed/README.txt
run "misnamed override file" 1 --templates misnamed -o misnamed-out orders.yaml &&
    expect_in "misnamed override file" err.txt \
        "misnamed/headr.h.mustache: error: 'headr.h.mustache' matches no built-in template, so it would never be used; did you mean 'header.h.mustache'?"
[ -e misnamed-out/orders.h ] && fail "misnamed override file: misnamed-out/orders.h was written" || pass
printf '/* mine */\n' >misnamed/zzz.mustache
rm misnamed/headr.h.mustache
run "override file with no close name" 1 --templates misnamed -o misnamed-out orders.yaml &&
    expect_in "override file with no close name" err.txt \
        "misnamed/zzz.mustache: error: 'zzz.mustache' matches no built-in template, so it would never be used"

# ---- all or nothing ----------------------------------------------------------
# A run that fails on its last file (the fuzz harness, rendered last, made
# to fail by an override) writes nothing: the previous files stay as they
# were, byte for byte, and no temporary file is left behind.  The same for
# a run whose second schema fails, and for a target that cannot be written.
rm -rf aon && mkdir -p aon/tpl
cp "$schemas/orders.yaml" "$schemas/crm.yaml" "$schemas/common.yaml" aon/
run "all or nothing: first generation" 0 -o aon/out aon/orders.yaml aon/crm.yaml
snapshot() { (cd aon/out && find . -type f | sort | xargs md5sum); }
before=$(snapshot)
printf '      gift_wrap:     { type: bool, default: false }\n' >>aon/orders.yaml
run "all or nothing: the changed schema is valid" 0 -o aon/scratch aon/orders.yaml
# (an unknown section inside a list fails only as the file renders, after the
# others: unknown variables are refused before anything renders)
printf '{{#messages}}{{#no_such_key}}x{{/no_such_key}}{{/messages}}\n' >aon/tpl/fuzz.c.mustache
run "all or nothing: last file fails" 1 --fuzz --templates aon/tpl -o aon/out aon/orders.yaml &&
    expect_in "all or nothing: last file fails" err.txt \
        "fuzz.c.mustache:1:14: error: unknown section 'no_such_key'"
[ "$(snapshot)" = "$before" ] && pass || fail "all or nothing: a failed run changed aon/out"
rm aon/tpl/fuzz.c.mustache
printf 'schema: crm\nmessages: {}\nbogus: 1\n' >aon/crm.yaml
run "all or nothing: second schema fails" 1 -o aon/out aon/orders.yaml aon/crm.yaml
[ "$(snapshot)" = "$before" ] && pass || fail "all or nothing: a failed second schema changed aon/out"
mv aon/out/orders_kafka.c aon/kafka.c.saved && mkdir aon/out/orders_kafka.c
run "all or nothing: a target is a directory" 2 -o aon/out aon/orders.yaml
expect_in "all or nothing: a target is a directory" err.txt \
    "topicgen: cannot write aon/out/orders_kafka.c: a directory is in the way"
rmdir aon/out/orders_kafka.c && mv aon/kafka.c.saved aon/out/orders_kafka.c
[ "$(snapshot)" = "$before" ] && pass || fail "all or nothing: a failed write changed aon/out"
leftovers=$(find aon/out -name '*.tmp.*')
[ -z "$leftovers" ] && pass || fail "all or nothing: temporary files left: $leftovers"
run "all or nothing: a good run writes" 0 -o aon/out aon/orders.yaml
grep -q "gift_wrap" aon/out/orders.h && pass || fail "all or nothing: the good run wrote nothing"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
