#!/usr/bin/env bash
# A lab certificate authority and certificates for edgefl's TLS listeners, with openssl.
#
#   scripts/make-lab-certs.sh DIR [--host NAME-OR-IP]... [DEVICE]...
#
# writes DIR/ca.crt + ca.key (the lab CA), DIR/gateway.crt + gateway.key (server
# certificate for localhost, 127.0.0.1, ::1 and every --host), and DIR/<device>.crt +
# <device>.key per DEVICE (client certificates for mutual TLS, CN = device id).
# Keys are EC P-256 and mode 0600; certificates last 825 days. For a lab only: a fleet's
# CA key belongs offline (docs/security.md).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "openssl not found: apt-get install -y openssl" >&2; exit 1; }
dir=$1; shift
hosts=(localhost 127.0.0.1 ::1)
devices=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --host) hosts+=("$2"); shift 2 ;;
    *) [[ $1 =~ ^[A-Za-z0-9_-]{1,64}$ ]] || { echo "invalid device id '$1'" >&2; exit 2; }; devices+=("$1"); shift ;;
  esac
done
mkdir -p "$dir"
umask 077
days=825
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [[ ! -f $dir/ca.key ]]; then
  key "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$days" -subj "/CN=edgefl lab CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.crt"
fi

san=""
for h in "${hosts[@]}"; do
  if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+="IP:$h,"; else san+="DNS:$h,"; fi
done
sign() { # name subject extensions
  local ext; ext=$(mktemp)
  printf '%s\n' "$3" > "$ext"
  key "$dir/$1.key"
  openssl req -new -key "$dir/$1.key" -subj "$2" -out "$dir/$1.csr"
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -sha256 -days "$days" \
    -extfile "$ext" -out "$dir/$1.crt" 2>/dev/null
  rm -f "$dir/$1.csr" "$ext"
}
sign gateway "/CN=edgefl gateway" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=${san%,}"
for d in "${devices[@]}"; do
  sign "$d" "/CN=$d" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
chmod 644 "$dir"/*.crt
echo "wrote $dir/ca.crt, gateway.crt/.key${devices:+ and ${devices[*]}}" >&2
