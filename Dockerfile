# The engine's image: the API and the workers run from it (docker-compose.yml), as an unprivileged
# user, on production dependencies only, with the workflow code bundled at build time so a worker
# starts without webpack (TEMPORAL_WORKFLOW_BUNDLE).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs its install script (native parts come as platform packages).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run bundle-workflows -- dist/workflow-bundle.js \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TEMPORAL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
# Owned by root, run by `node`: the process cannot change its own code or dependencies.
COPY --from=build /app ./
USER node
EXPOSE 3000
# node itself as the process (not npm, which would check and reinstall dependencies at start), so
# SIGTERM reaches the workers' graceful shutdown. The worker service overrides the command.
CMD ["node", "--import", "tsx", "api/main.ts"]
