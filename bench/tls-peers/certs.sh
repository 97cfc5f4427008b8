#!/usr/bin/env bash
# Test PKI for the TLS peer benchmark, made with openssl only.
#   certs.sh DIR
# Writes DIR/ca.pem (the trusted test root, given to every tool as its extra CA) and, per
# certificate kind K, DIR/K.key and DIR/K.chain.pem (leaf first, then the intermediate when
# there is one). Every leaf names *.bench.test (except wronghost), so endpoint eNN.bench.test
# matches it.
set -euo pipefail
D=${1:?usage: certs.sh DIR}
mkdir -p "$D"
cd "$D"
[ -f done ] && exit 0

ca_dir() { # name: a minimal `openssl ca` database, so that -startdate/-enddate can be set
  mkdir -p "$1/new"; : > "$1/index.txt"; echo 1000 > "$1/serial"
  cat > "$1/ca.cnf" <<CNF
[ca]
default_ca = this
[this]
dir = $1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
policy = any
unique_subject = no
copy_extensions = copy
default_md = sha256
[any]
commonName = supplied
CNF
}
sign() { # ca-dir ca-cert ca-key csr out ext-section-file md start end
  openssl ca -batch -notext -config "$1/ca.cnf" -cert "$2" -keyfile "$3" -in "$4" -out "$5" \
    -extfile "$6" -md "$7" -startdate "$8" -enddate "$9" 2>/dev/null
}
ts() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

cat > leaf.ext <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.bench.test
EXT
sed 's/DNS:\*\.bench\.test/DNS:www.example.org/' leaf.ext > wronghost.ext
cat > ca.ext <<'EXT'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT

# Trusted root and intermediate; an untrusted root of the same shape.
for r in ca other; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout $r.key -out $r.pem -days 3650 -sha256 \
    -subj "/CN=tuanthu bench $r root" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  ca_dir "$PWD/db-$r"
done
openssl req -new -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=tuanthu bench intermediate" 2>/dev/null
sign "$PWD/db-ca" ca.pem ca.key int.csr int.pem ca.ext sha256 "$(ts '-1 day')" "$(ts '+5 years')"

leaf() { # kind keyspec signer(int|other|self) ext md start end
  local k=$1 spec=$2 by=$3 ext=$4 md=$5 start=$6 end=$7
  openssl req -new -newkey "$spec" -nodes -keyout $k.key -out $k.csr -subj "/CN=$k.bench.test" 2>/dev/null
  case $by in
    int) sign "$PWD/db-ca" int.pem int.key $k.csr $k.pem "$ext" "$md" "$start" "$end"
         cat $k.pem int.pem > $k.chain.pem ;;
    other) sign "$PWD/db-other" other.pem other.key $k.csr $k.pem "$ext" "$md" "$start" "$end"
         cp $k.pem $k.chain.pem ;;
    self) openssl x509 -req -in $k.csr -signkey $k.key -out $k.pem -days 365 -$md -extfile "$ext" 2>/dev/null
         cp $k.pem $k.chain.pem ;;
  esac
}
now=$(ts '-1 hour'); year=$(ts '+1 year')
leaf valid     rsa:2048                   int   leaf.ext      sha256 "$now" "$year"
openssl ecparam -name prime256v1 -out p256.pem
leaf ecdsa     ec:p256.pem                int   leaf.ext      sha256 "$now" "$year"
leaf expired   rsa:2048                   int   leaf.ext      sha256 "$(ts '-400 days')" "$(ts '-35 days')"
leaf expiring  rsa:2048                   int   leaf.ext      sha256 "$now" "$(ts '+10 days')"
leaf selfsigned rsa:2048                  self  leaf.ext      sha256 "" ""
leaf wronghost rsa:2048                   int   wronghost.ext sha256 "$now" "$year"
leaf rsa1024   rsa:1024                   int   leaf.ext      sha256 "$now" "$year"
leaf sha1      rsa:2048                   int   leaf.ext      sha1   "$now" "$year"
leaf untrusted rsa:2048                   other leaf.ext      sha256 "$now" "$year"

# Finite-field DH groups: RFC 7919 ffdhe2048, and a 1024-bit prime (Logjam-weak).
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dh2048.pem 2>/dev/null
openssl genpkey -genparam -algorithm DH -pkeyopt dh_paramgen_prime_len:1024 -out dh1024.pem 2>/dev/null
touch done
