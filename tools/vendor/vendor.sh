#!/usr/bin/env bash
# Fetches the vendored browser files again from npm at the versions pinned in pins.tsv, checks each tarball against
# the sha512 integrity npm publishes for it (recorded in pins.tsv) and the file against its recorded sha256, and
# writes the file and the package's licence beside it. No build chain: the files are served (or injected) as they are.
# Usage: tools/vendor/vendor.sh   (from anywhere; needs npm, sha512sum, sha256sum, tar)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

grep -v '^#' "$root/tools/vendor/pins.tsv" | while IFS=$'\t' read -r package version integrity file sha256 dest; do
    echo "$package@$version"
    tarball=$(cd "$work" && npm pack --silent "$package@$version")
    actual="sha512-$(sha512sum -b "$work/$tarball" | cut -d' ' -f1 | xxd -r -p | base64 -w0)"
    if [ "$actual" != "$integrity" ]; then
        echo "The tarball of $package@$version does not match its pinned integrity ($actual)." >&2
        exit 1
    fi
    mkdir -p "$work/$package"
    tar -xzf "$work/$tarball" -C "$work/$package"
    got=$(sha256sum "$work/$package/package/$file" | cut -d' ' -f1)
    if [ "$got" != "$sha256" ]; then
        echo "$file of $package@$version has sha256 $got, not the pinned $sha256." >&2
        exit 1
    fi
    mkdir -p "$root/$dest"
    cp "$work/$package/package/$file" "$root/$dest/$(basename "$file")"
    cp "$work/$package/package/LICENSE" "$root/$dest/$package.LICENSE.txt"
    echo "  $dest/$(basename "$file") (sha256 $got) and $package.LICENSE.txt"
done
