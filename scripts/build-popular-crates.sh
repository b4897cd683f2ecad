#!/usr/bin/env bash
# Builds rules/data/popular-crates.txt: names of widely used crates, taken from the Rust library
# packages that Debian ships (librust-NAME-dev). Feature packages (NAME+feature) and version-suffixed
# duplicates (NAME-0.7) collapse to the crate name. Needs `apt-get update` to have run.
set -euo pipefail
out="$(dirname "$0")/../rules/data/popular-crates.txt"
{
  echo "# Widely used crate names, from Debian's librust-*-dev packages (scripts/build-popular-crates.sh)."
  echo "# Used by the manifest typosquat check. Regenerate rather than edit."
  apt-cache search --names-only '^librust-.*-dev$' \
    | awk '{print $1}' \
    | grep -v '+' \
    | sed -E 's/^librust-//; s/-dev$//; s/-[0-9]+(\.[0-9]+)*$//' \
    | sort -u
} > "$out"
echo "wrote $(grep -vc '^#' "$out") names to $out"
