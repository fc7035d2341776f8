# Sourced by the test-support scripts: the one place that finds the Debian archive to download from.
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
