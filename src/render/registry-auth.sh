#!/bin/sh
# Written by capkv (nodes.registryMirrors[].credentialsSecret). Turns a mirror's
# username and password files, which CAPI's bootstrap provider copied from a Secret,
# into a containerd drop-in with CRI registry credentials for each mirror host.
#
# Usage: sh write-drop-in.sh CONFIG CREDENTIALS_DIR DROP_IN HOST...
#
# containerd 2 merges a conf.d drop-in into its configuration key by key; containerd 1
# replaces the whole CRI plugin section with it, which would drop the sandbox image,
# the registry config_path and the cgroup driver. So the drop-in is written only under
# a version 3 (containerd 2) configuration.
set -eu
config=$1
dir=$2
out=$3
shift 3
if ! grep -Eq '^[[:space:]]*version[[:space:]]*=[[:space:]]*3[[:space:]]*(#.*)?$' "$config"; then
  echo "capkv: $config is not a containerd 2 configuration (version = 3): registry credentials not installed" >&2
  exit 1
fi
# A TOML basic string: backslashes and quotes escaped; a control character has no
# place in a credential and would end the string, so it is refused.
quote() {
  value=$(cat "$1")
  case $value in
    *[[:cntrl:]]*)
      echo "capkv: $1 holds a control character: registry credentials not installed" >&2
      exit 1
      ;;
  esac
  printf '"%s"' "$(printf '%s' "$value" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}
username=$(quote "$dir/username")
password=$(quote "$dir/password")
umask 077
mkdir -p "$(dirname "$out")"
{
  echo 'version = 3'
  for host in "$@"; do
    printf "[plugins.'io.containerd.cri.v1.images'.registry.configs.'%s'.auth]\n" "$host"
    printf 'username = %s\npassword = %s\n' "$username" "$password"
  done
} >"$out.tmp"
mv "$out.tmp" "$out"
