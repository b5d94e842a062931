# The cloud: HTTP API, entry decisions, event ingestion, the read model. Built from the repository
# root:  docker build -f deploy/cloud.Dockerfile -t parkinglot-cloud .
#
# The build stage installs from the lockfile (compiling sqlite3's binding), builds every workspace and
# packages the cloud's production tree (scripts/package.mjs); the final image holds that tree alone
# and runs it as the unprivileged user `node`. deploy/test/ runs the same commands outside docker.

FROM node:20-bookworm AS build
WORKDIR /src
ENV TURBO_TELEMETRY_DISABLED=1 npm_config_fund=false npm_config_audit=false
# The manifests first, so the dependency layer is rebuilt only when they change.
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
RUN node scripts/package.mjs cloud /app

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
COPY --from=build --chown=node:node /app/state /app/state
ENV NODE_ENV=production \
    PARKING_DATA_DIR=/app/state \
    PARKING_HTTP_PORT=8080 \
    PARKING_MQTT_PORT=1883
USER node
EXPOSE 8080 1883
VOLUME ["/app/state"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PARKING_HTTP_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains it (README, "Stopping"): give it PARKING_SHUTDOWN_TIMEOUT (25 s) and a little more.
STOPSIGNAL SIGTERM
CMD ["node", "cloud/dist/main.js"]
