#!/usr/bin/env bash
# The README's first command: builds plinth, scaffolds the example project
# and deploys it for real (files on disk) into a local state folder, with no
# prompts. Everything lands under one folder (default: a new temp folder).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d -t plinth-demo-XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
go build -o "$work/plinth" "$root/cmd/plinth"
export PLINTH_HOME="$work/home" PLINTH_BACKEND_URL="file://$work/state" PLINTH_CI=false
"$work/plinth" new yaml "$work/hello"
cd "$work/hello"
"$work/plinth" stack init dev
"$work/plinth" up --yes
"$work/plinth" stack output
echo "Deployed: $(cat "$work/hello/$("$work/plinth" stack output pagePath)")"
echo "Project in $work/hello, state in $work/state"
