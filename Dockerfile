# syntax=docker/dockerfile:1
# One image build for every app. Pick the app with the build target:
#   docker build --target ingest-api -t user-activity/ingest-api .
# Targets: ingest-api, outbox-relay, event-store-consumer, dispatcher, admin-api, migrate.

ARG NODE_VERSION=20.20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Numeric uid/gid of the image's `node` user, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))"]

FROM runtime AS ingest-api
ENV PORT=3000
EXPOSE 3000
CMD ["node", "dist/apps/ingest-api/src/main.js"]

FROM runtime AS outbox-relay
ENV PORT=3001
EXPOSE 3001
CMD ["node", "dist/apps/outbox-relay/src/main.js"]

FROM runtime AS event-store-consumer
ENV PORT=3002
EXPOSE 3002
CMD ["node", "dist/apps/event-store-consumer/src/main.js"]

FROM runtime AS dispatcher
ENV PORT=3003
EXPOSE 3003
CMD ["node", "dist/apps/dispatcher/src/main.js"]

FROM runtime AS admin-api
ENV PORT=3004
EXPOSE 3004
CMD ["node", "dist/apps/admin-api/src/main.js"]

FROM runtime AS migrate
HEALTHCHECK NONE
CMD ["node", "dist/libs/entities/src/migrate.js", "run"]
