#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use, if they are missing: tcpdump reads
# our pcap output as a second, independent reader; chromium is the real browser of the end-to-end
# login test (driven by playwright-core); curl is the client host of the end-to-end tests and of
# `portcullis demo`; iperf3 measures throughput through the live gateway; freeradius and
# freeradius-utils (radclient) are the RADIUS peer of the AAA tests; libauthen-tacacsplus-perl
# (Authen::TacacsPlus) is the independent TACACS+ client the test TACACS+ server is checked with.
# Needs root, as on the project's machines and CI. With --optional (npm run bench's prebench), a
# non-root run only says what is missing and succeeds: the benchmarks that need the packages need
# root anyway and say so themselves.
set -euo pipefail
optional=0
[ "${1:-}" = "--optional" ] && optional=1
packages=(tcpdump chromium curl iperf3 freeradius freeradius-utils libauthen-tacacsplus-perl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-debian-packages: missing ${missing[*]}; run as root or install them: apt-get install -y ${missing[*]}" >&2
  exit $((1 - optional))
fi
echo "ensure-debian-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
