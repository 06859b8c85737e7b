# The engine's image: the API and the workers run from it (docker-compose.yml), as an unprivileged
# user, as compiled JavaScript on production dependencies only (no TypeScript loader), with the
# workflow code bundled at build time so a worker starts without webpack (TEMPORAL_WORKFLOW_BUNDLE).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs its install script (native parts come as platform packages).
RUN npm ci --ignore-scripts --no-audit --no-fund
# The context is an allow-list (.dockerignore): the sources and the build's scripts; never .env,
# .data, .git or tests.
COPY . .
# `npm run build` as everywhere else (dist/: the compiled processes, the files they read beside
# their code, the workflow bundle); then only production dependencies are left to copy.
RUN npm run build \
  && rm dist/.tsbuildinfo \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    TEMPORAL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
# What the processes run and nothing else: production dependencies and dist/ (no sources, no
# TypeScript, no build scripts). Owned by root, run by `node`: the process cannot change its own
# code or dependencies.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# node itself as the process (not npm, which would check and reinstall dependencies at start), so
# SIGTERM reaches the workers' graceful shutdown. The worker service overrides the command.
CMD ["node", "dist/api/main.js"]
