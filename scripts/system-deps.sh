#!/usr/bin/env bash
# Install the Debian packages the tests and the PDF report need, only when missing.
#   chromium            browser tests (Playwright drives Debian's Chromium; no browser download)
#   poppler-utils       pdftotext/pdftoppm to read and look at generated PDFs
#   libpango*, harfbuzz WeasyPrint's text layout
#   fonts-dejavu-core   a local font for pages and PDFs (no web fonts)
#   java (headless JRE) the Spark engine of `b12ms screen`
set -euo pipefail
# --run: only what the app needs to run (PDF layout and a font); default: everything tests need.
if [ "${1:-}" = "--run" ]; then
  wanted=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
else
  wanted=(chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
  command -v java >/dev/null 2>&1 || wanted+=(openjdk-17-jre-headless)
fi
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
