#!/usr/bin/env bash
# Installs the Debian packages that the full test suite uses as real peers:
#   tshark     - decodes our captures (the oracle for every wire format)
#   tcpdump    - reads pcap files written by us
#   curl       - the real HTTP client against our HTTP server
#   iproute2   - network namespaces, veth and TAP devices for the kernel bridge
#   socat, iperf3, python3-scapy - peers for the TAP and TCP tests
#   iputils-ping, hping3 - the kernel's ping and a packet crafter for the TAP tests
#   nftables     - kernel-side packet loss for the TAP tests where the kernel lacks netem
#   bsdutils     - `script`, a pseudo-terminal for the interactive shell test
#   frr, bird2 - routing daemons for the dynamic-routing interop tests
#   chromium   - the headless browser that Playwright (playwright-core) drives for the web lab tests
#   dnsmasq-base, isc-dhcp-client, bind9-dnsutils - DHCP and DNS peers (dnsmasq, dhclient, dig)
#   graphviz   - `dot`, which must read what `tinkernet graph` writes
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(tshark tcpdump curl iproute2 socat iperf3 python3-scapy iputils-ping hping3 nftables dnsmasq-base isc-dhcp-client bind9-dnsutils bsdutils frr bird2 chromium graphviz)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all Debian packages present (${packages[*]})"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-test-deps: installed ${missing[*]}"
