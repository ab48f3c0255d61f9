#!/usr/bin/env bash
# certs.sh [DIR] - make a lab certificate authority and a server certificate
# signed by it, with the openssl command line (make certs: DIR is certs/).
#
#   DIR/ca.pem       the lab CA's certificate: give it to clients
#                    (mailcat --cafile, curl --cacert, swaks --tls-ca-path)
#   DIR/ca.key       the CA's private key (only to sign more certificates)
#   DIR/server.pem   the servers' certificate, for hamburger.edu, crepes.fr,
#                    mail.hamburger.edu, localhost, 127.0.0.1 and ::1
#   DIR/server.key   its private key: smtpd --tls-cert DIR/server.pem --tls-key DIR/server.key
#
# What a real CA (Let's Encrypt, say) does for smtp.gmail.com, in miniature:
# the CA signs the server's public key and names; a client that trusts the
# CA can then check that it talks to the server it asked for.
set -euo pipefail
dir=${1:-certs}
days=${CERT_DAYS:-825}
mkdir -p "$dir"
cd "$dir"

if [ -s server.pem ] && [ -s server.key ] && [ -s ca.pem ]; then
  echo "certs: $dir already has ca.pem, server.pem and server.key (remove them to make new ones)"
  exit 0
fi

# 1. The CA: a key and a self-signed certificate allowed to sign others.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days "$days" \
  -subj "/O=Cartero lab/CN=Cartero lab CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# 2. The server: a key and a signing request...
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
  -subj "/O=Cartero lab/CN=hamburger.edu" 2>/dev/null

# 3. ...that the CA signs, with the names clients will check (RFC 6125).
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:hamburger.edu,DNS:mail.hamburger.edu,DNS:crepes.fr,DNS:mail.crepes.fr,DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out server.pem -days "$days" -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 ca.key server.key
echo "certs: made $dir/ca.pem (the lab CA) and $dir/server.pem + $dir/server.key"
echo "certs: names: hamburger.edu, mail.hamburger.edu, crepes.fr, mail.crepes.fr, localhost, 127.0.0.1, ::1"
