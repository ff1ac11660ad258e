#!/usr/bin/env bash
# Static cross builds of lm-user-hygiene into dist/, the uploaded-file
# DataSource carrying the linux_amd64 and windows_amd64 builds
# (dist/LM_User_Hygiene.xml), and SHA256SUMS of them all.
#
#   ./build.sh [version]
#
# The version defaults to `git describe --tags --always --dirty` (a short
# commit hash when there are no tags), or "dev" outside git. The same commit
# built with the same Go toolchain gives the same bytes: paths are trimmed,
# the build id is empty and nothing records the time of the build.
set -euo pipefail
cd "$(dirname "$0")"

name=lm-user-hygiene
targets=(linux/amd64 linux/arm64 windows/amd64)

version=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
# The version goes inside -ldflags, which splits on spaces.
if [[ ! $version =~ ^[A-Za-z0-9._+-]+$ ]]; then
  echo "build.sh: version $version: use letters, digits and . _ + - only" >&2
  exit 2
fi

mkdir -p dist
module=LM_User_Hygiene.xml
rm -f dist/"$name"_* dist/SHA256SUMS dist/"$module"

for target in "${targets[@]}"; do
  os=${target%/*}
  arch=${target#*/}
  out=dist/${name}_${version}_${os}_${arch}
  [[ $os == windows ]] && out+=.exe
  echo "build $out"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath \
    -ldflags "-s -w -X main.version=$version -buildid=" -o "$out" .

  # A binary built with cgo would need the collector's C library.
  if ! go version -m "$out" | grep -q $'\tbuild\tCGO_ENABLED=0$'; then
    echo "build.sh: $out is not a static (CGO_ENABLED=0) build" >&2
    exit 1
  fi
done

# The one binary this machine can run proves the version was stamped.
if [[ $(go env GOHOSTOS)/$(go env GOHOSTARCH) == linux/amd64 ]]; then
  got=$(./dist/"${name}_${version}"_linux_amd64 --version)
  if [[ $got != "$name $version" ]]; then
    echo "build.sh: --version printed \"$got\", want \"$name $version\"" >&2
    exit 1
  fi
fi

# The module the portal imports, carrying the binaries as its script files.
echo "module dist/$module"
go run ./internal/logicmodule/mkmodules -uploaded dist/"$module" \
  -linux dist/"${name}_${version}"_linux_amd64 -windows dist/"${name}_${version}"_windows_amd64.exe

(cd dist && sha256sum "$name"_* "$module" | LC_ALL=C sort -k2 > SHA256SUMS)
cat dist/SHA256SUMS
