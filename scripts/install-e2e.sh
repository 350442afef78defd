#!/usr/bin/env bash
# Installs what the end-to-end tests (npm run test:e2e) need on a Debian 12 machine, as root:
#   - Debian packages: chromium (the browser that drives VS Code), libkrb5-dev (kerberos'
#     native build) and ripgrep (VS Code's search binary, see below);
#   - code-server (VS Code served to a browser) and playwright-core, into a tools folder
#     outside the project's node_modules (default .e2e-tools/, git-ignored), so that
#     `npm ci` stays fast for everything else.
# Idempotent: what is already there at the right version is skipped.
# See /work/shared/TESTING.md for why each step is needed.
set -euo pipefail
start=$(date +%s.%N)
cd "$(dirname "$0")/.."
ROOT=$(pwd)

CODE_SERVER_VERSION=4.100.3 # newest that runs on Node 20 (VS Code 1.100.3)
PLAYWRIGHT_VERSION=1.65.1
# code-server 4.100.3 ships @vscode/ripgrep 1.15.11, which looks for this archive in its cache.
RG_CACHE=vscode-ripgrep-cache-1.15.11
RG_ARCHIVE=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
TOOLS=${SUPERNET_E2E_TOOLS:-$ROOT/.e2e-tools}

log() { echo "== install-e2e: $*"; }

# --- Debian packages -------------------------------------------------------------------
missing=()
for pkg in chromium libkrb5-dev ripgrep; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-e2e: run as root to install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages already installed (chromium, libkrb5-dev, ripgrep)"
fi

# --- code-server and playwright-core in the tools folder ------------------------------
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
if [ "$node_major" != 20 ]; then
  echo "install-e2e: code-server $CODE_SERVER_VERSION needs Node 20; node is $node_major" >&2
  exit 1
fi
installed_version() {
  node -p "require('$TOOLS/node_modules/$1/package.json').version" 2>/dev/null || true
}
entry="$TOOLS/node_modules/code-server/out/node/entry.js"
# The vscode part of code-server is complete when its own native modules were built.
pty="$TOOLS/node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node"
if [ "$(installed_version code-server)" = "$CODE_SERVER_VERSION" ] &&
  [ "$(installed_version playwright-core)" = "$PLAYWRIGHT_VERSION" ] &&
  [ -f "$entry" ] && [ -f "$pty" ]; then
  log "code-server $CODE_SERVER_VERSION and playwright-core $PLAYWRIGHT_VERSION already in $TOOLS"
else
  log "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION into $TOOLS"
  mkdir -p "$TOOLS"
  cat >"$TOOLS/package.json" <<EOF
{
  "name": "supernet-studio-e2e-tools",
  "private": true,
  "description": "Tools of the end-to-end tests, installed by scripts/install-e2e.sh",
  "dependencies": {
    "code-server": "$CODE_SERVER_VERSION",
    "playwright-core": "$PLAYWRIGHT_VERSION"
  }
}
EOF
  # @vscode/ripgrep's postinstall downloads rg from GitHub and has no switch to skip it:
  # give it Debian's rg as the archive it expects in its cache (found through TMPDIR).
  export TMPDIR="$TOOLS/.tmp"
  mkdir -p "$TMPDIR/$RG_CACHE"
  if [ ! -f "$TMPDIR/$RG_CACHE/$RG_ARCHIVE" ]; then
    tar -czf "$TMPDIR/$RG_CACHE/$RG_ARCHIVE" -C /usr/bin rg
  fi
  # node-pty's build runs `npx node-gyp`, which npm's `yes=false` here would refuse.
  export npm_config_yes=true
  (cd "$TOOLS" && npm install --unsafe-perm --no-audit --no-fund --loglevel=error)
  if [ ! -f "$entry" ] || [ ! -f "$pty" ]; then
    echo "install-e2e: code-server's install is incomplete ($entry or $pty missing)" >&2
    exit 1
  fi
fi

end=$(date +%s.%N)
log "done in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s"
