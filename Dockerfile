# syntax=docker/dockerfile:1
# The AlerTiger operator image: one binary (`alertiger`) for the operator Deployment and for the
# monitors' CronJobs (`alertiger job --monitor NS/NAME`). Multi-stage: the build stage compiles
# the TypeScript and drops dev dependencies; the runtime stage holds only what runs, as a
# non-root user, and writes nothing outside /tmp (the chart mounts it), so the root filesystem
# can be read-only. The pretrained detector under models/ ships inside.
#
# NODE_IMAGE: any Debian-based image with Node.js >= 20 and npm (groupadd/useradd are used).
# Without a registry, test/image/build-base.sh makes one (Debian minbase by mmdebstrap + the
# machine's Node.js) and test/image/build.sh passes it: `podman build --build-arg NODE_IMAGE=...`.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, in a layer keyed by package.json and the lock file only, so a change to the
# code re-runs neither `npm ci` nor a prune (a prune alone takes a minute): all dependencies here
# for the compile, and the production ones apart in /prod for the runtime stage. The package's
# prepare script (the compile) is left out here and run below, once the code is in.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm pkg delete scripts.prepare \
 && npm ci --no-audit --no-fund \
 && mkdir /prod && cp package.json package-lock.json /prod/ \
 && cd /prod && npm ci --omit=dev --no-audit --no-fund
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY operator ./operator
RUN npx tsc -p tsconfig.json && rm -rf dist/test dist/bench

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
COPY --from=build /prod/node_modules ./node_modules
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
