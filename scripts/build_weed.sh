#!/usr/bin/env bash
# Build SeaweedFS's `weed` (Apache-2.0; a real S3-compatible server) for `spotify-mds stack`, from the
# Go module proxy, into ~/.cache/spotify-mds/seaweedfs/weed (outside the repository; the stack looks
# there, on PATH and in WEED_BIN). Idempotent: does nothing when the binary is there.
# Needs Go (>= 1.24). ~6 minutes on 2 busy cores, a ~230 MB binary. `go install ...@version` refuses
# this module (its go.mod has a replace directive), hence the copy and `go build` inside it.
set -euo pipefail
VERSION="${WEED_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
OUT="${SPOTIFY_MDS_CACHE:-$HOME/.cache/spotify-mds}/seaweedfs"
if [ -x "$OUT/weed" ]; then echo "weed: $OUT/weed"; exit 0; fi
command -v go >/dev/null || { echo "weed: Go is needed (https://go.dev/dl or apt-get install golang)" >&2; exit 1; }
module_dir="$(go mod download -json "github.com/seaweedfs/seaweedfs@$VERSION" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$module_dir" "$work/src" && chmod -R u+w "$work/src"
(cd "$work/src" && GOFLAGS=-mod=mod go build -o "$work/weed" ./weed)
mkdir -p "$OUT" && mv "$work/weed" "$OUT/weed.tmp" && mv "$OUT/weed.tmp" "$OUT/weed"
echo "weed: $OUT/weed"
