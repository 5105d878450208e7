# The server alone: built with the development install, then run with a production install of the
# server's own dependencies (the tools workspace, with the AWS SDK, stays out).
FROM node:lts-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY tools/package.json ./tools/
COPY src ./src
RUN npm install --workspaces=false --ignore-scripts --no-audit --no-fund && npx tsc -b tsconfig.build.json

FROM node:lts-bookworm-slim
# Debian's nats-server: the server starts it itself when NATS_URL is not set.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nats-server \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
# Without the workspaces field, npm installs what the server needs at the lock file's versions and
# nothing the tools need.
RUN npm pkg delete workspaces && npm install --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist

# Inside a container the endpoint must listen beyond loopback to be reached at all.
ENV KINESIS_HOST=0.0.0.0 \
    KINESIS_DATA_DIR=/data
VOLUME /data
EXPOSE 4567
# `npm start`, without npm in between, so that SIGTERM reaches the server and it shuts down cleanly.
CMD ["node", "--max-semi-space-size=8", "dist/cli.js", "serve"]
