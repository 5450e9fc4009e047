# syntax=docker/dockerfile:1
# The AlerTiger operator image: one binary (`alertiger`) for the operator Deployment and for the
# monitors' CronJobs (`alertiger job --monitor NS/NAME`). Multi-stage: the build stage compiles
# the TypeScript and drops dev dependencies; the runtime stage holds only what runs, as a
# non-root user, and writes nothing outside /tmp (the chart mounts it), so the root filesystem
# can be read-only. The pretrained detector under models/ ships inside.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY operator ./operator
# `npm ci` runs the package's prepare script, which compiles to dist/.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf dist/test dist/bench

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="alertiger-operator" \
      org.opencontainers.image.description="ML model health monitoring for Kubernetes (AlerTiger)" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    HOME=/tmp \
    ALERTIGER_LISTEN=:8080
RUN groupadd --gid 10001 alertiger \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin alertiger
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/operator ./dist/operator
COPY --from=build /src/bin ./bin
COPY models ./models
COPY crds ./crds
RUN ln -s /app/bin/alertiger.js /usr/local/bin/alertiger
# Numeric, so Kubernetes can verify runAsNonRoot.
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["alertiger"]
CMD ["--help"]
