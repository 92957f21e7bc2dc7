#!/bin/sh
# check.sh TOPICGEN NODE_DIR OUT SCHEMA... - write the AsyncAPI document of
# each schema with `topicgen --emit asyncapi=OUT` and validate every one with
# @asyncapi/parser (validate.mjs).  Fails when node or the parser is missing:
# scripts/install-deps.sh --tests installs them into NODE_DIR.
set -eu
topicgen=$1 node_dir=$2 out=$3
shift 3
if ! command -v node >/dev/null 2>&1; then
    echo "check.sh: node is missing (scripts/install-deps.sh --tests installs it)" >&2
    exit 1
fi
if [ ! -d "$node_dir/node_modules/@asyncapi/parser" ]; then
    echo "check.sh: @asyncapi/parser is not in $node_dir (scripts/install-deps.sh --tests)" >&2
    exit 1
fi
rm -rf "$out"
mkdir -p "$out"
"$topicgen" --emit "asyncapi=$out" "$@"
exec node "$(dirname "$0")/validate.mjs" "$node_dir/node_modules" "$out"/*.asyncapi.json
