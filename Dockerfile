# The same steps as the README quick start: npm install (which builds), then start.
FROM node:lts-bookworm-slim

# Debian's nats-server: the server starts it itself when NATS_URL is not set.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nats-server \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm install && npm prune --omit=dev

# Inside a container the endpoint must listen beyond loopback to be reached at all.
ENV KINESIS_HOST=0.0.0.0 \
    KINESIS_DATA_DIR=/data
VOLUME /data
EXPOSE 4567
# `npm start`, without npm in between, so that SIGTERM reaches the server and it shuts down cleanly.
CMD ["node", "--max-semi-space-size=8", "dist/cli.js", "serve"]
