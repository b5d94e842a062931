# A gate's edge agent, for a board that runs containers. Built from the repository root:
#   docker build -f deploy/edge.Dockerfile -t parkinglot-edge .
# Run it with the gate's configuration and its serial devices:
#   docker run -v ./gate.json:/etc/parkinglot/gate.json:ro -v edge-state:/app/state \
#     --device /dev/ttyACM0 --device /dev/ttyUSB0 --group-add dialout --restart always parkinglot-edge
# (--restart always is what the agent's exit code 3 for a lost board relies on, as systemd's
# Restart=always does on a board without containers: deploy/edge/parkinglot-edge.service.)
#
# The build stage installs from the lockfile (compiling sqlite3's binding; serialport's comes
# prebuilt), builds every workspace and packages the agent's production tree (scripts/package.mjs).
# deploy/test/ runs the same commands outside docker.

FROM node:20-bookworm AS build
WORKDIR /src
ENV TURBO_TELEMETRY_DISABLED=1 npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY platform/package.json platform/
COPY cloud/package.json cloud/
COPY edge/package.json edge/
COPY console/package.json console/
COPY firmware-sim/package.json firmware-sim/
COPY bench/package.json bench/
COPY deploy/package.json deploy/
RUN npm ci
COPY . .
RUN npm run build
RUN node scripts/package.mjs edge /app

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
COPY --from=build --chown=node:node /app/state /app/state
ENV NODE_ENV=production \
    PARKING_EDGE_CONFIG=/etc/parkinglot/gate.json \
    PARKING_EDGE_DATA_DIR=/app/state
USER node
VOLUME ["/app/state"]
# Alive while the agent rewrites its liveness file (every 5 s) from its own event loop.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "edge/dist/health.js"]
STOPSIGNAL SIGTERM
CMD ["node", "edge/dist/main.js"]
