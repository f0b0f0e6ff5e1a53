# Multi-stage: build with compilers for the native addon, run on a slim image as a non-root user.
# Node 24 (active LTS); package.json's engines (>=20.19) accepts it as well as Node 20.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gen ./gen
COPY src ./src
COPY web ./web
# Builds the service and the web console (web/dist, served at /).
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# Only what differs in a container. The process settings (NODE_ENV, glibc malloc tunables, V8 heap
# size) live in package.json's start:prod script, which CI also starts; docs/performance.md gives the
# measured reason for each.
ENV HOST=0.0.0.0 PORT=50051 DATA_DIR=/data NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/web/dist ./web/dist
COPY --chown=node:node package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 50051
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/src/healthcheck.js"]
# start:prod ends in `exec node ...`, so npm's forwarded SIGTERM reaches the service itself, which
# drains in-flight calls (SHUTDOWN_GRACE_MS) before it exits.
CMD ["npm", "run", "--silent", "start:prod"]
