# The TURN relay video calls use (docs/operations.md, "Calls and TURN"): Debian's coturn, in its
# shared-secret REST scheme; the secret comes from the compose secret `turn_secret`, the same file
# posy-gateway reads to hand out credentials.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends coturn \
    && rm -rf /var/lib/apt/lists/*
COPY compose/turn-entrypoint.sh /usr/local/bin/turn-entrypoint
USER turnserver
ENTRYPOINT ["/bin/sh", "/usr/local/bin/turn-entrypoint"]
