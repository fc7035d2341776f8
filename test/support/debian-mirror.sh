# Sourced by the test-support scripts: the one place that finds the Debian archive to download from,
# and downloads from it.
# debian_mirror prints the archive this machine's apt uses (the URI of its main suite, the one whose
# name has no "-security"/"-updates" suffix), so no script names a host. NIXIFY_DEBIAN_MIRROR
# overrides it, e.g. on a machine whose apt has no Debian archive (Ubuntu).
debian_mirror() {
  local m=${NIXIFY_DEBIAN_MIRROR:-}
  # indextargets reads apt's sources (both formats) and needs no `apt-get update`.
  [ -n "$m" ] || m=$(apt-get indextargets --no-release-info --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
    awk '$1 !~ /-/ { print $2; exit }')
  [ -n "$m" ] || { echo "no Debian archive in apt's sources (set NIXIFY_DEBIAN_MIRROR)" >&2; return 1; }
  echo "${m%/}"
}

# debian_fetch PATH SHA256 FILE: FILE is the archive's PATH (URL-encoded, e.g. pool/main/r/...),
# downloaded (through FILE.part) unless FILE already has that sha256, and checked against it.
debian_fetch() {
  local path=$1 sha=$2 file=$3 url
  if [ -f "$file" ] && echo "$sha  $file" | sha256sum -c --quiet - >/dev/null 2>&1; then return 0; fi
  command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl ca-certificates; } >&2
  url=$(debian_mirror)/$path || return 1
  echo "$(basename "$0" .sh): downloading $url" >&2
  curl -sSfL --retry 3 -o "$file.part" "$url" || { echo "$(basename "$0" .sh): the archive does not serve $url" >&2; return 1; }
  echo "$sha  $file.part" | sha256sum -c --quiet - || { echo "$(basename "$0" .sh): sha256 mismatch: $url" >&2; return 1; }
  mv "$file.part" "$file"
}
