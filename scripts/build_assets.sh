#!/usr/bin/env bash
# Build the GOV.UK Frontend assets that Django serves from static/govuk/.
#
# The output is committed, so running the app (make run) needs no Node; only
# re-run this (make assets) after changing static_src/ or package.json.
#
# Output:
#   static/govuk/app.css                GOV.UK Frontend + app styles (Arial stack,
#                                       asset URLs under /static/govuk/assets/)
#   static/govuk/govuk-frontend.min.js  GOV.UK Frontend ES module
#   static/govuk/app.mjs                entry point: initAll() + small enhancements
#   static/govuk/assets/                images + manifest.json (no GDS Transport fonts)
#   static/govuk/VERSION                govuk-frontend version
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

src=node_modules/govuk-frontend/dist/govuk
out=static/govuk

mkdir -p "$out"

npx sass --load-path=node_modules --style=compressed --no-source-map \
  static_src/app.scss "$out/app.css"

# Drop the trailing sourceMappingURL comment: the .map is not shipped, and a
# dangling reference would 404 (or break ManifestStaticFilesStorage).
sed -e 's|//# sourceMappingURL=[^[:space:]]*||' \
  "$src/govuk-frontend.min.js" > "$out/govuk-frontend.min.js"

cp static_src/app.mjs "$out/app.mjs"

rm -rf "$out/assets"
cp -R "$src/assets" "$out/assets"
# We use Arial, not GDS Transport, so the font files are never referenced.
rm -rf "$out/assets/fonts"

node -p 'require("./node_modules/govuk-frontend/package.json").version' > "$out/VERSION"

# Sanity checks on the compiled CSS.
if grep -q "GDS Transport" "$out/app.css"; then
  echo "error: $out/app.css mentions GDS Transport" >&2
  exit 1
fi
if grep -q "url(['\"]\{0,1\}/assets/" "$out/app.css"; then
  echo "error: $out/app.css has url(/assets/...) references" >&2
  exit 1
fi
missing=0
while IFS= read -r url; do
  case "$url" in
    /static/govuk/*) path="$out/${url#/static/govuk/}" ;;
    data:*) continue ;;
    *) echo "error: unexpected url($url) in $out/app.css" >&2; missing=1; continue ;;
  esac
  if [ ! -f "$path" ]; then
    echo "error: url($url) in $out/app.css: $path does not exist" >&2
    missing=1
  fi
done < <(grep -o 'url([^)]*)' "$out/app.css" | sed -e 's/^url(//' -e 's/)$//' -e "s/^[\"']//" -e "s/[\"']$//" | sort -u)
[ "$missing" -eq 0 ] || exit 1

echo "govuk-frontend $(cat "$out/VERSION"), sass $(npx sass --version)"
ls -l "$out" "$out/assets" "$out/assets/images"
