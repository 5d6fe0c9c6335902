#!/usr/bin/env bash
# Fetch the third-party corpus the corpus tests read (src/normalize/corpus.test.ts and any test
# using test/helpers/corpus.ts), pinned to the upstream commits below, into .corpus/ (git-ignored)
# or the folder given as $1. Needs git and network access to github.com. The tests find .corpus/
# by themselves; elsewhere, point them at it with KEYSNARE_CORPUS=DIR.
#
# Each source is fetched as exactly one commit (git checks the content against the commit id),
# with a sparse checkout of the paths used, then copied into the layout the tests expect:
#   sigma-aws/          SigmaHQ/sigma rules for AWS CloudTrail      (DRL 1.1)
#   stratus-red-team/   DataDog/stratus-red-team detonation logs    (Apache-2.0)
#   traildiscover/      adanalvarez/TrailDiscover example events    (CC-BY-4.0)
# Licenses and a SOURCE.txt go with each. Nothing is copied into the repository itself.
set -euo pipefail

SIGMA_COMMIT=8eaafff1f2845a696050e05e72ba1140ee190698         # 2026-08-05
STRATUS_COMMIT=7c9a7a5a63dc370260a6528dd0d30476854806c1
TRAILDISCOVER_COMMIT=f96cbdb0591f78d16b1948e84c211becce6258e6  # 2026-07-12

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$repo_root/.corpus}"
work="$(mktemp -d "${TMPDIR:-/tmp}/keysnare-corpus-XXXXXX")"
trap 'rm -rf "$work"' EXIT

log() { printf '[fetch-corpus] %s\n' "$*" >&2; }

command -v git >/dev/null || { log "git is required"; exit 1; }
# Only ever replace a folder this script made (it leaves a .keysnare-corpus marker).
if [ -e "$dest" ] && [ ! -f "$dest/.keysnare-corpus" ]; then
  log "$dest exists and was not made by this script; remove it or give another folder"
  exit 1
fi

# fetch NAME OWNER/REPO COMMIT PATH... : a sparse, shallow checkout of one commit in $work/NAME
fetch() {
  local name=$1 repo=$2 commit=$3
  shift 3
  local dir="$work/$name"
  log "$repo @ $commit"
  git init --quiet "$dir"
  git -C "$dir" remote add origin "https://github.com/$repo.git"
  git -C "$dir" sparse-checkout set --no-cone "$@"
  git -C "$dir" fetch --quiet --depth 1 --filter=blob:none origin "$commit"
  git -C "$dir" -c advice.detachedHead=false checkout --quiet FETCH_HEAD
  local got
  got="$(git -C "$dir" rev-parse HEAD)"
  if [ "$got" != "$commit" ]; then
    log "$repo: expected commit $commit, got $got"
    exit 1
  fi
}

# copy SRC DST : copy a file or folder when upstream has it, say so when it does not
copy() {
  if [ -e "$1" ]; then
    mkdir -p "$(dirname "$2")"
    cp -R "$1" "$2"
  else
    log "note: ${1#"$work"/} is not in this commit; skipped"
  fi
}

fetch sigma SigmaHQ/sigma "$SIGMA_COMMIT" \
  /LICENSE /LICENSE.Detection.Rules.md /rules/cloud/aws/ /rules-placeholder/cloud/aws/ \
  '/unsupported/cloud/aws_*'
fetch stratus DataDog/stratus-red-team "$STRATUS_COMMIT" \
  /LICENSE /NOTICE /docs/detonation-logs/
fetch traildiscover adanalvarez/TrailDiscover "$TRAILDISCOVER_COMMIT" \
  /LICENSE /events/ /docs/events.json /docs/events.csv

stage="$work/out"
mkdir -p "$stage/sigma-aws" "$stage/stratus-red-team" "$stage/traildiscover"

s="$work/sigma"
if [ -e "$s/LICENSE" ]; then copy "$s/LICENSE" "$stage/sigma-aws/LICENSE"; else copy "$s/LICENSE.Detection.Rules.md" "$stage/sigma-aws/LICENSE"; fi
copy "$s/rules/cloud/aws" "$stage/sigma-aws/rules/cloud/aws"
copy "$s/rules-placeholder/cloud/aws" "$stage/sigma-aws/rules-placeholder/cloud/aws"
if compgen -G "$s/unsupported/cloud/aws_*" >/dev/null; then
  mkdir -p "$stage/sigma-aws/unsupported/cloud"
  cp -R "$s"/unsupported/cloud/aws_* "$stage/sigma-aws/unsupported/cloud/"
fi
echo "source: https://github.com/SigmaHQ/sigma commit $SIGMA_COMMIT; license DRL 1.1" \
  >"$stage/sigma-aws/SOURCE.txt"

s="$work/stratus"
copy "$s/LICENSE" "$stage/stratus-red-team/LICENSE"
copy "$s/NOTICE" "$stage/stratus-red-team/NOTICE"
copy "$s/docs/detonation-logs" "$stage/stratus-red-team/detonation-logs"
echo "source: https://github.com/DataDog/stratus-red-team commit $STRATUS_COMMIT path docs/detonation-logs/; license Apache-2.0" \
  >"$stage/stratus-red-team/SOURCE.txt"

s="$work/traildiscover"
copy "$s/LICENSE" "$stage/traildiscover/LICENSE"
copy "$s/events" "$stage/traildiscover/events"
copy "$s/docs/events.json" "$stage/traildiscover/docs/events.json"
copy "$s/docs/events.csv" "$stage/traildiscover/docs/events.csv"
echo "source: https://github.com/adanalvarez/TrailDiscover commit $TRAILDISCOVER_COMMIT; license CC-BY-4.0" \
  >"$stage/traildiscover/SOURCE.txt"

for required in stratus-red-team/detonation-logs traildiscover/events sigma-aws/rules/cloud/aws; do
  [ -d "$stage/$required" ] || { log "upstream layout changed: $required is missing"; exit 1; }
done

# Replace the destination only once everything was fetched, so a failed run keeps the old copy.
printf 'sigma %s\nstratus-red-team %s\ntraildiscover %s\n' \
  "$SIGMA_COMMIT" "$STRATUS_COMMIT" "$TRAILDISCOVER_COMMIT" >"$stage/.keysnare-corpus"
mkdir -p "$(dirname "$dest")"
landing="$(mktemp -d "$(dirname "$dest")/.keysnare-corpus-new-XXXXXX")"
mv "$stage" "$landing/corpus"
rm -rf "$dest"
mv "$landing/corpus" "$dest"
rmdir "$landing"
log "corpus ready in $dest"
