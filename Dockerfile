# The engine's image: the API and the workers run from it (docker-compose.yml), as an unprivileged
# user, on production dependencies only, with the workflow code bundled at build time so a worker
# starts without webpack (TEMPORAL_WORKFLOW_BUNDLE).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs its install script (native parts come as platform packages).
RUN npm ci --ignore-scripts --no-audit --no-fund
# The context is an allow-list (.dockerignore): the sources the processes load and the build's
# scripts; never .env, .data, .git or tests.
COPY . .
# Then only what the image runs is left: production dependencies, the bundle and the sources.
RUN npm run bundle-workflows -- dist/workflow-bundle.js \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm package-lock.json scripts/ensure-deps.mjs scripts/bundle-workflows.ts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TEMPORAL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
# What the build stage holds by now is what the processes run: the allow-listed sources
# (.dockerignore), production dependencies and the bundle. Owned by root, run by `node`: the
# process cannot change its own code or dependencies.
COPY --from=build /app ./
USER node
EXPOSE 3000
# node itself as the process (not npm, which would check and reinstall dependencies at start), so
# SIGTERM reaches the workers' graceful shutdown. The worker service overrides the command.
CMD ["node", "--import", "tsx", "api/main.ts"]
