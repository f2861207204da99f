#!/bin/sh
# coturn takes its shared secret on the command line or in a file of its own: read it from the
# compose secret, so that it is written nowhere else. Private peers are refused (no relaying into
# the compose network or the host's LAN).
set -eu
secret=$(cat /run/secrets/turn_secret)
exec turnserver -n --no-cli --log-file stdout --simple-log \
  --listening-port 3478 --min-port 49160 --max-port 49200 \
  --use-auth-secret --static-auth-secret "$secret" --realm "${TURN_REALM:-posy}" \
  ${TURN_EXTERNAL_IP:+--external-ip "$TURN_EXTERNAL_IP"} \
  --no-multicast-peers --denied-peer-ip 10.0.0.0-10.255.255.255 --denied-peer-ip 172.16.0.0-172.31.255.255 \
  --denied-peer-ip 192.168.0.0-192.168.255.255 --denied-peer-ip 127.0.0.0-127.255.255.255 "$@"
