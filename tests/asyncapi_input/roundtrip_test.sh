#!/bin/bash
# roundtrip_test.sh TOPICGEN SCHEMAS_DIR WORK_DIR [MORE.yaml...]
#
# AsyncAPI as input, the round trip (issue 17): every schema in SCHEMAS_DIR
# (and each MORE.yaml, run as a set of its own) is exported with `--emit asyncapi`, the exported documents are read back
# as input, and the C generated from them (every output: codecs, Kafka
# wrappers, translator header and skeletons, domain header, fuzz harness)
# must be byte for byte the C generated from the YAML.  A control edit (one
# description changed in one exported document) must make them differ, so
# the comparison is not vacuous.
set -euo pipefail
topicgen=$1 schemas=$2 work=$3
shift 3
rm -rf "$work"
mkdir -p "$work/aa" "$work/from_yaml" "$work/from_aa" "$work/control"
fail() { echo "FAIL: $*" >&2; exit 1; }

# One more schema, alone: exported, read back, the same C.
for more in "$@"; do
    name=$(basename "$more" .yaml)
    mkdir -p "$work/more_$name/aa" "$work/more_$name/from_yaml" "$work/more_$name/from_aa"
    "$topicgen" --emit "asyncapi=$work/more_$name/aa" "$more" || fail "export of $more"
    "$topicgen" --force --fuzz -o "$work/more_$name/from_yaml" "$more" || fail "C from $more"
    "$topicgen" --force --fuzz -o "$work/more_$name/from_aa" "$work/more_$name/aa"/*.asyncapi.json ||
        fail "C from the export of $more"
    diff -r "$work/more_$name/from_yaml" "$work/more_$name/from_aa" >"$work/more_$name/diff.txt" ||
        { head -40 "$work/more_$name/diff.txt" >&2; fail "the C from the export of $more differs"; }
    echo "round trip: $more, $(ls "$work/more_$name/from_yaml" | wc -l) C files identical"
done

mapfile -t yamls < <(ls "$schemas"/*.yaml)
((${#yamls[@]} > 0)) || fail "no schemas in $schemas"

"$topicgen" --emit "asyncapi=$work/aa" "${yamls[@]}" || fail "topicgen --emit asyncapi failed"
mapfile -t docs < <(ls "$work/aa"/*.asyncapi.json)
((${#docs[@]} == ${#yamls[@]})) || fail "${#yamls[@]} schemas but ${#docs[@]} AsyncAPI documents"

"$topicgen" --force --fuzz -o "$work/from_yaml" "${yamls[@]}" || fail "C from the YAML"
"$topicgen" --force --fuzz -o "$work/from_aa" "${docs[@]}" || fail "C from the AsyncAPI documents"

n=$(ls "$work/from_yaml" | wc -l)
((n >= 8 * ${#yamls[@]})) || fail "only $n files generated from ${#yamls[@]} schemas"
diff -r "$work/from_yaml" "$work/from_aa" >"$work/diff.txt" ||
    { head -40 "$work/diff.txt" >&2; fail "the C from the AsyncAPI documents differs"; }

# Control: a changed description must show in the C.
first=${docs[0]}
cp "${docs[@]}" "$work/control/"
ctl="$work/control/$(basename "$first")"
grep -q '"description": "' "$ctl" || fail "no description in $(basename "$first") to change"
sed -i '0,/"description": "/s//"description": "CHANGED /' "$ctl"
"$topicgen" --force --fuzz -o "$work/control_c" "$work/control"/*.asyncapi.json ||
    fail "C from the control documents"
if diff -r -q "$work/from_yaml" "$work/control_c" >/dev/null; then
    fail "control: a changed description did not change the C"
fi
echo "round trip: ${#yamls[@]} schemas, $n C files identical byte for byte; control edit detected"
