#!/usr/bin/env bash
# Refetch the console's vendored front-end files from npm (`npm pack`, no install, no CDN) and check each against
# the sha256 in its VENDORED.json: the served ones (src/steward/gateway/console/static/vendor) and axe-core, which
# only the browser tests load (tests/browser_vendor). To move to a new version, change it in VENDORED.json, run
# this with --update, and commit the files with the new digests it prints.
set -euo pipefail
cd "$(dirname "$0")/.."
update=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for manifest in src/steward/gateway/console/static/vendor/VENDORED.json tests/browser_vendor/axe-core/VENDORED.json; do
  dir=$(dirname "$manifest")
  python3 - "$manifest" <<'PY' > "$work/list"
import json, sys
for f in json.load(open(sys.argv[1]))["files"]:
    print(f["package"], f["version"], f["from"], f["file"], f["sha256"])
PY
  while read -r package version from file sha; do
    if [ ! -d "$work/$package-$version" ]; then
      mkdir -p "$work/$package-$version" "$work/packs"
      (cd "$work/packs" && npm pack -q "$package@$version" >/dev/null)
      tar xzf "$work/packs/"*"-$version.tgz" -C "$work/$package-$version" && rm "$work/packs/"*.tgz
    fi
    got=$(sha256sum "$work/$package-$version/package/$from" | cut -d' ' -f1)
    if [ "$update" = "--update" ]; then
      mkdir -p "$(dirname "$dir/$file")" && cp "$work/$package-$version/package/$from" "$dir/$file"
      cp "$work/$package-$version/package/LICENSE" "$(dirname "$dir/$file")/LICENSE"
      echo "$package@$version $file sha256 $got"
    elif [ "$got" != "$sha" ]; then
      echo "$package@$version $from: sha256 $got, VENDORED.json says $sha" >&2; exit 1
    else
      cmp -s "$work/$package-$version/package/$from" "$dir/$file" || { echo "$dir/$file differs from npm's" >&2; exit 1; }
      echo "ok $package@$version $file"
    fi
  done < "$work/list"
done
