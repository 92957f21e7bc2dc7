#!/usr/bin/env bash
# compat_test.sh - `topicgen compat` (issue 16, increment 1): exit statuses,
# the exact break lines and notes of each rule family, modes (transitive
# too), breaks inside imported types reported where they are used, old
# versions read with git:REF:PATH, and the bad-input errors.
#
# usage: compat_test.sh TOPICGEN WORK_DIR
# Exit statuses (generator/compat_main.c): 0 compatible, 4 not, 1 schema
# errors or not versions of one schema, 2 usage or I/O error.
set -u

topicgen=$1
work=$2

rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 2

passed=0
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
pass() { passed=$((passed + 1)); }

# run NAME EXPECTED_STATUS ARGS...: topicgen compat ARGS, output in out.txt/err.txt.
run() {
    local name=$1 want=$2
    shift 2
    "$topicgen" compat "$@" >out.txt 2>err.txt
    local got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit $got, expected $want (topicgen compat $*)"
        sed 's/^/    stdout: /' out.txt
        sed 's/^/    stderr: /' err.txt
        return 1
    fi
    pass
}

# expect_in NAME FILE TEXT: FILE has the line TEXT exactly.
expect_in() {
    if grep -qxF -- "$3" "$2"; then pass; else
        fail "$1: no line '$3' in $2"
        sed 's/^/    | /' "$2"
    fi
}

# expect_breaks NAME N: err.txt has exactly N break lines.
expect_breaks() {
    local got
    got=$(grep -c ': error: \[' err.txt)
    if [ "$got" -eq "$2" ]; then pass; else
        fail "$1: $got breaks, expected $2"
        sed 's/^/    | /' err.txt
    fi
}

# ---- usage and bad input -------------------------------------------------------
cat >a1.yaml <<'EOF'
schema: a
messages:
  M:
    topic: t
    fields:
      x: int32
EOF
cat >other.yaml <<'EOF'
schema: b
messages:
  M:
    topic: t
    fields:
      x: int32
EOF
run "no files" 2 && expect_in "no files" err.txt \
    "topicgen compat: needs an old and a new schema (OLD.yaml NEW.yaml)"
run "one file" 2 a1.yaml
run "unknown mode" 2 --mode sideways a1.yaml a1.yaml && expect_in "unknown mode" err.txt \
    "topicgen compat: unknown mode 'sideways' (expected backward, forward, full, backward_transitive, forward_transitive, full_transitive or none)"
run "unknown option" 2 --frob a1.yaml a1.yaml
run "missing file" 2 a1.yaml nope.yaml && expect_in "missing file" err.txt \
    "topicgen compat: cannot open nope.yaml: No such file or directory"
run "two schemas" 1 a1.yaml other.yaml && expect_in "two schemas" err.txt \
    "other.yaml:1:9: error: schema 'b' is not a version of schema 'a': compat compares versions of one schema (the same 'schema:' name)" &&
    expect_in "two schemas" err.txt "a1.yaml:1:9: note: 'a' named here"
printf 'schema: a\nmessages:\n  M:\n    fields:\n      x: nosuch\n' >broken.yaml
run "schema error" 1 a1.yaml broken.yaml && expect_in "schema error" err.txt \
    "broken.yaml:5:10: error: unknown type 'nosuch'"
run "same file" 0 a1.yaml a1.yaml && expect_in "same file" out.txt \
    "a1.yaml: compatible with a1.yaml (mode backward)"
run "--help" 0 --help && expect_in "--help" out.txt \
    "usage: topicgen compat [--mode MODE] [--explain] [-I DIR] OLD.yaml [OLDER.yaml...] NEW.yaml"

# ---- fields, presence, types, constraints, enums --------------------------------
cat >old.yaml <<'EOF'
schema: shop
enums:
  Method:
    values: {CARD: card, BANK: bank}
messages:
  Item:
    fields:
      sku: { type: string, max_length: 64 }
      qty: { type: int32, min: 1, max: 100 }
  Order:
    topic: shop.orders
    key: id
    unknown_fields: reject
    fields:
      id: string
      items: { type: array, items: Item, max_items: 10 }
      method: Method
      note: { type: string, optional: true }
      total: int32
      gone: string
  Old:
    topic: shop.old
    fields:
      a: string
EOF
cat >new.yaml <<'EOF'
schema: shop
version: 2
enums:
  Method:
    values: {CARD: card, CASH: cash}
messages:
  Item:
    fields:
      sku: { type: string, max_length: 32 }
      qty: { type: int64, min: 1, max: 100 }
  Order:
    topic: shop.orders
    key: id
    unknown_fields: reject
    fields:
      id: string
      items: { type: array, items: Item, max_items: 20 }
      method: Method
      note: string
      total: int64
      extra: { type: string, default: x }
EOF
run "backward" 4 old.yaml new.yaml
expect_breaks "backward" 5
expect_in "backward" err.txt "new.yaml:9:7: error: [FIELD_LENGTH_TIGHTENED] field 'Item.sku': min_length/max_length tightened, values the old schema allowed are refused: consumers on the new schema reject records old producers wrote; keep the old min_length/max_length; check the tighter length in the producer instead"
expect_in "backward" err.txt "old.yaml:8:7: note: the old definition (version 1)"
expect_in "backward" err.txt "new.yaml:4:3: error: [ENUM_VALUE_REMOVED] enum 'Method' lost value \"bank\" (used by field 'Order.method'): consumers on the new schema reject records old producers wrote; keep the value (producers may stop sending it), or give the enum a 'fallback:'"
expect_in "backward" err.txt "old.yaml:4:26: note: the old definition (version 1)"
expect_in "backward" err.txt "new.yaml:19:7: error: [FIELD_NOW_REQUIRED] field 'Order.note' was optional and is now required: consumers on the new schema reject records old producers wrote; give it a default instead: absent then reads as the default"
expect_in "backward" err.txt "new.yaml:11:3: error: [FIELD_REMOVED_CLOSED] field 'Order.gone' was removed from a message the new schema closes ('unknown_fields: reject'): consumers on the new schema reject records old producers wrote; keep 'unknown_fields: skip' on the new message, or keep the field"
expect_in "backward" err.txt "new.yaml:1:9: error: [TYPE_REMOVED] 'Old' (topic \"shop.old\") was removed: consumers on either version reject records of the other; keep the type until no producer or consumer of its topic uses it"
expect_in "backward" err.txt "new.yaml: 5 breaks (mode backward)"

run "forward" 4 --mode forward old.yaml new.yaml
expect_breaks "forward" 6
expect_in "forward" err.txt "new.yaml:17:7: error: [FIELD_ITEMS_LOOSENED] field 'Order.items': min_items/max_items loosened, counts the old schema refused are allowed: consumers still on the old schema reject records new producers write; loosen the item count only after every consumer has the looser one (mode backward)"
expect_in "forward" err.txt "new.yaml:5:26: error: [ENUM_VALUE_ADDED] enum 'Method' gained value \"cash\" (used by field 'Order.method'): consumers still on the old schema reject records new producers write; release the value to every consumer before any producer sends it (mode backward), or give the old enum a 'fallback:' first"
expect_in "forward" err.txt "new.yaml:20:7: error: [FIELD_TYPE_WIDENED] field 'Order.total' widened from int32 to int64: consumers still on the old schema reject records new producers write; widen the type only after every consumer reads the wider one (mode backward)"
expect_in "forward" err.txt "new.yaml:21:7: error: [FIELD_ADDED_CLOSED] field 'Order.extra' was added to a message the old schema closes ('unknown_fields: reject'): consumers still on the old schema reject records new producers write; first release the message with 'unknown_fields: skip' to every consumer, then add the field"
expect_in "forward" err.txt "new.yaml:11:3: error: [FIELD_REMOVED_REQUIRED] required field 'Order.gone' was removed (a rename without 'wire_name' is a remove and an add): consumers still on the old schema reject records new producers write; first make it 'optional: true' or give it a default in a release every consumer has, then remove it"
expect_in "forward" err.txt "old.yaml:20:7: note: the old definition (version 1)"
run "full" 4 --mode full old.yaml new.yaml && expect_breaks "full" 10
run "none" 0 --mode none old.yaml new.yaml
run "--explain" 4 --explain --mode forward old.yaml new.yaml && expect_breaks "--explain" 6 &&
    expect_in "--explain" err.txt "new.yaml:20:7: note: for example, the new schema (a new producer) writes this Order and the old schema rejects it: {\"id\":\"\",\"items\":[],\"method\":\"card\",\"note\":\"\",\"total\":-9223372036854775808,\"extra\":\"\"}" &&
    expect_in "--explain" err.txt "new.yaml:5:26: note: for example, the new schema (a new producer) writes this Order and the old schema rejects it: {\"id\":\"\",\"items\":[],\"method\":\"cash\",\"note\":\"\",\"total\":0,\"extra\":\"\"}"

# Safe changes: same ranges in a wider type, default <-> required, an
# optional field added to an open message, int32 -> int64 read backward.
cat >safe1.yaml <<'EOF'
schema: safe
messages:
  M:
    topic: t
    fields:
      a: { type: int32, min: 0, max: 9 }
      b: { type: string, default: x }
      n: int32
      old_name: string
EOF
cat >safe2.yaml <<'EOF'
schema: safe
version: 2
messages:
  M:
    topic: t
    fields:
      a: { type: int64, min: 0, max: 9 }
      b: string
      n: int64
      new_name: { type: string, wire_name: old_name }
      c: { type: string, optional: true }
EOF
run "safe backward" 0 safe1.yaml safe2.yaml
run "widened forward" 4 --mode forward safe1.yaml safe2.yaml && expect_breaks "widened forward" 1 &&
    expect_in "widened forward" err.txt "safe2.yaml:9:7: error: [FIELD_TYPE_WIDENED] field 'M.n' widened from int32 to int64: consumers still on the old schema reject records new producers write; widen the type only after every consumer reads the wider one (mode backward)"

# An enum read as a string: safe backward if the strings fit, a type
# change forward (the old enum reader refuses other strings).
printf 'schema: e\nenums:\n  E:\n    values: {A: ab, B: abcd}\nmessages:\n  M:\n    topic: t\n    fields:\n      x: E\n' >e1.yaml
printf 'schema: e\nmessages:\n  M:\n    topic: t\n    fields:\n      x: { type: string, min_length: 2, max_length: 4 }\n' >e2.yaml
printf 'schema: e\nmessages:\n  M:\n    topic: t\n    fields:\n      x: { type: string, max_length: 3 }\n' >e3.yaml
run "enum to string" 0 e1.yaml e2.yaml
run "enum to string forward" 4 --mode forward e1.yaml e2.yaml &&
    expect_in "enum to string forward" err.txt "e2.yaml:6:7: error: [FIELD_TYPE_WIDENED] field 'M.x' widened from E to string: consumers still on the old schema reject records new producers write; widen the type only after every consumer reads the wider one (mode backward)"
run "enum to short string" 4 e1.yaml e3.yaml &&
    expect_in "enum to short string" err.txt "e3.yaml:6:7: error: [FIELD_TYPE_CHANGED] field 'M.x' changed type from E to string: consumers on either version reject records of the other; add a field with a new wire name and the new type"

# Renames without wire_name, type changes, nullable, unions, topic and key.
cat >u1.yaml <<'EOF'
schema: u
messages:
  A:
    fields:
      id: string
      v: { type: string, nullable: true }
  B:
    fields:
      id: string
unions:
  Ev:
    topic: ev
    discriminator: kind
    variants:
      a: A
      b: B
EOF
cat >u2.yaml <<'EOF'
schema: u
version: 2
messages:
  A:
    fields:
      ident: string
      v: bool
  C:
    fields:
      id: string
unions:
  Ev:
    topic: ev2
    discriminator: type
    variants:
      a: A
      c: C
EOF
run "union full" 4 --mode full u1.yaml u2.yaml
expect_in "union full" err.txt "u2.yaml:13:12: error: [TOPIC_CHANGED] 'Ev' moved from topic \"ev\" to \"ev2\": consumers on either version reject records of the other; keep the topic; publish to a new topic from a new type"
expect_in "union full" err.txt "u2.yaml:12:3: error: [UNION_DISCRIMINATOR_CHANGED] union 'Ev' changed its discriminator from \"kind\" to \"type\": consumers on either version reject records of the other; keep the discriminator"
expect_in "union full" err.txt "u2.yaml:6:7: error: [FIELD_ADDED_REQUIRED] field 'A.ident' was added as required without a default: consumers on the new schema reject records old producers wrote; give the field a default or make it 'optional: true'"
expect_in "union full" err.txt "u2.yaml:4:3: error: [FIELD_REMOVED_REQUIRED] required field 'A.id' was removed (a rename without 'wire_name' is a remove and an add): consumers still on the old schema reject records new producers write; first make it 'optional: true' or give it a default in a release every consumer has, then remove it"
expect_in "union full" err.txt "u2.yaml:7:7: error: [FIELD_NULLABLE_REMOVED] field 'A.v' is no longer nullable: consumers on the new schema reject records old producers wrote; keep 'nullable: true'"
expect_in "union full" err.txt "u2.yaml:7:7: error: [FIELD_TYPE_CHANGED] field 'A.v' changed type from string to bool: consumers on either version reject records of the other; add a field with a new wire name and the new type"
expect_in "union full" err.txt "u2.yaml:17:7: error: [UNION_VARIANT_ADDED] union 'Ev' gained variant \"c\": consumers still on the old schema reject records new producers write; release the variant to every consumer before any producer sends it (mode backward)"
expect_in "union full" err.txt "u2.yaml:12:3: error: [UNION_VARIANT_REMOVED] union 'Ev' lost variant \"b\": consumers on the new schema reject records old producers wrote; keep the variant (producers may stop sending it)"
expect_in "union full" err.txt "u1.yaml:16:7: note: the old definition (version 1)"
expect_breaks "union full" 8
run "--explain, union" 4 --explain --mode full u1.yaml u2.yaml
expect_in "--explain, union" err.txt "u2.yaml:7:7: note: for example, the old schema (an old producer) writes this Ev and the new schema rejects it: {\"kind\":\"a\",\"id\":\"\",\"v\":null}"
if grep -q 'TOPIC_CHANGED' err.txt && [ "$(grep -c 'note: for example' err.txt)" -eq 7 ]; then pass; else
    fail "--explain, union: 7 examples expected (none for TOPIC_CHANGED)"; fi

# ---- transitive -------------------------------------------------------------------
printf 'schema: s\nmessages:\n  M:\n    topic: t\n    fields:\n      a: { type: int32, min: 0, max: 10 }\n' >v1.yaml
printf 'schema: s\nversion: 2\nmessages:\n  M:\n    topic: t\n    fields:\n      a: { type: int32, min: 0, max: 20 }\n' >v2.yaml
printf 'schema: s\nversion: 3\nmessages:\n  M:\n    topic: t\n    fields:\n      a: { type: int32, min: 0, max: 20 }\n' >v3.yaml
run "forward, last only" 0 --mode forward v2.yaml v1.yaml v3.yaml
run "forward transitive" 4 --mode forward_transitive v2.yaml v1.yaml v3.yaml &&
    expect_breaks "forward transitive" 1 &&
    expect_in "forward transitive" err.txt "v1.yaml:6:7: note: the old definition (version 1)"
run "backward transitive" 0 --mode backward_transitive v2.yaml v1.yaml v3.yaml

# ---- imports: a break in an imported type, where it is used ----------------------
mkdir -p imp1/shared imp2/shared
printf 'schema: common\nmessages:\n  Money:\n    fields:\n      amount: { type: decimal, max_length: 20 }\n' >imp1/shared/common.yaml
printf 'schema: common\nmessages:\n  Money:\n    fields:\n      amount: { type: decimal, max_length: 10 }\n' >imp2/shared/common.yaml
printf 'schema: x\nimports: [shared/common.yaml]\nmessages:\n  Pay:\n    topic: pay\n    fields:\n      price: common.Money\n' >imp1/x.yaml
cp imp1/x.yaml imp2/x.yaml
run "import" 4 imp1/x.yaml imp2/x.yaml && expect_breaks "import" 1 &&
    expect_in "import" err.txt "imp2/x.yaml:7:7: error: [FIELD_LENGTH_TIGHTENED] in imported type 'common.Money': field 'common.Money.amount': min_length/max_length tightened, values the old schema allowed are refused: consumers on the new schema reject records old producers wrote; keep the old min_length/max_length; check the tighter length in the producer instead" &&
    expect_in "import" err.txt "imp1/shared/common.yaml:5:7: note: the old definition (version 1)"

# ---- git:REF:PATH ---------------------------------------------------------------------
if command -v git >/dev/null; then
    mkdir repo && cp -r imp1/* repo/ && (
        cd repo && git init -q && git add -A &&
        git -c user.email=t@t -c user.name=t commit -qm v1 && git tag v1 &&
        cp ../imp2/shared/common.yaml shared/common.yaml
    )
    cd repo || exit 2
    run "git" 4 git:v1:x.yaml x.yaml &&
        expect_in "git" err.txt "git:v1:shared/common.yaml:5:7: note: the old definition (version 1)"
    run "git unchanged" 0 git:v1:x.yaml git:v1:x.yaml
    run "git bad ref" 2 git:nope:x.yaml x.yaml && expect_in "git bad ref" err.txt \
        "topicgen compat: git:nope:x.yaml: 'nope' is not a commit, branch or tag of this git repository"
    run "git bad path" 2 git:v1:y.yaml x.yaml && expect_in "git bad path" err.txt \
        "topicgen compat: git:v1:y.yaml: no file 'y.yaml' at v1 (PATH is from the repository's top folder)"
    run "git no path" 2 git:v1 x.yaml
    if [ -n "$(git status --porcelain --untracked-files=all | grep -v -e '^ M shared/common.yaml$' -e '^?? out.txt$' -e '^?? err.txt$')" ]; then
        fail "git: compat wrote into the repository"; git status --porcelain
    else pass; fi
    cd ..
fi

echo "compat: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
