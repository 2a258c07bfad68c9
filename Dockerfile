# kubetriage: the watcher/server (`serve`) and the node agent (`agent`) in one image.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no compile
# step; the build stage installs everything to bundle the web dashboard, the runtime stage
# carries production dependencies only. Runs as 65532 with a read-only root filesystem
# (the manifests mount /tmp and the data directory as emptyDirs).

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build:web

FROM node:24-bookworm-slim AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
LABEL org.opencontainers.image.source="https://github.com/kubetriage/kubetriage" \
      org.opencontainers.image.description="kubetriage: diagnoses Kubernetes cluster outages"
ENV NODE_ENV=production \
    KUBETRIAGE_DATA_DIR=/var/lib/kubetriage
WORKDIR /app
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY scenarios ./scenarios
USER 65532:65532
EXPOSE 8080
# The young-generation flag bin/kubetriage.js would otherwise re-spawn itself to add: one process per container.
ENTRYPOINT ["node", "--max-semi-space-size=8", "/app/bin/kubetriage.js"]
CMD ["serve", "--host=0.0.0.0"]
