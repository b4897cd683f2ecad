#!/usr/bin/env bash
# Builds rules/data/popular-crates.txt: names of widely used crates, taken from the Rust library
# packages that Debian ships (librust-NAME-dev). Feature packages (NAME+feature) and version-suffixed
# duplicates (NAME-0.7) collapse to the crate name. Debian package names cannot hold `_`, so each name
# is written as the registry spells it (serde_json, not serde-json), read from the package's English
# description ("the source for the Rust serde_json crate", or the name as its text writes it); the
# package name is kept where the description does not say. Needs
# `apt-get -o Acquire::Languages=en update` to have run (the descriptions are in Translation-en).
set -euo pipefail
out="$(dirname "$0")/../rules/data/popular-crates.txt"
pkgs=$(apt-cache search --names-only '^librust-.*-dev$' | awk '{print $1}' | grep -v '+' | sort -u)
{
  echo "# Widely used crate names as the registry spells them, from Debian's librust-*-dev packages"
  echo "# (scripts/build-popular-crates.sh). Used by the manifest typosquat check. Regenerate rather than edit."
  # shellcheck disable=SC2086
  apt-cache -o Acquire::Languages=en show --no-all-versions $pkgs 2>/dev/null | node -e '
    const canon = (s) => s.toLowerCase().replace(/_/g, "-");
    const names = new Map();
    let pkg = null, text = "";
    const flush = () => {
      if (!pkg) return;
      const name = pkg.replace(/^librust-/, "").replace(/-dev$/, "").replace(/-[0-9]+(\.[0-9]+)*$/, "");
      const said = /the Rust\s+([A-Za-z0-9_-]+)\s+crate/.exec(text)?.[1];
      const word = (text.match(/[A-Za-z0-9_-]+/g) ?? []).find((w) => /_/.test(w) && canon(w) === name);
      const spelled = [said, word].find((w) => w && canon(w) === name) ?? name;
      if (!names.has(name) || names.get(name) === name) names.set(name, spelled);
      pkg = null;
    };
    const lines = require("fs").readFileSync(0, "utf8").split("\n");
    let inDesc = false;
    for (const l of lines) {
      if (l.startsWith("Package: ")) { flush(); pkg = l.slice(9).trim(); text = ""; inDesc = false; continue; }
      if (/^Description(-en)?: /.test(l)) { inDesc = true; text += " " + l.replace(/^[^:]*:/, ""); continue; }
      if (inDesc && l.startsWith(" ")) { text += " " + l.trim(); continue; }
      inDesc = false;
    }
    flush();
    process.stdout.write([...names.values()].sort((a, b) => (canon(a) < canon(b) ? -1 : canon(a) > canon(b) ? 1 : 0)).join("\n") + "\n");
  '
} > "$out"
echo "wrote $(grep -vc '^#' "$out") names to $out"
