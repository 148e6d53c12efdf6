#!/bin/sh
# Fails when docs/properties.md differs from what the property table generates.
# Regenerate with: build/gen-props-doc > docs/properties.md
set -eu
gen="$1"; doc="$2"
"$gen" | diff -u "$doc" - || { echo "docs/properties.md is stale: run build/gen-props-doc > docs/properties.md" >&2; exit 1; }
