import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { createHttpApp } from "./api/http-app.js";
import { KinesisEndpoint } from "./api/kinesis-endpoint.js";
import type { Config } from "./config.js";
import { startEmbeddedNats, type EmbeddedNats } from "./jetstream/embedded-nats.js";
import { Engine } from "./jetstream/engine.js";
import { PageTokenCodec } from "./translate/page-token.js";
import { ShardIteratorCodec } from "./translate/shard-iterator.js";

export interface RunningServer {
  /** http://host:port of the Kinesis endpoint. */
  readonly url: string;
  readonly natsUrl: string;
  /** Stops taking requests, lets those under way finish, then closes NATS (and the embedded server). */
  close(): Promise<void>;
}

async function connectNats(url: string, config: Config): Promise<NatsConnection> {
  return connect({
    servers: url.split(","),
    name: "kinesis-nats",
    // The default builds an Error for every request to keep async stack traces: half the CPU
    // of a publish. Our errors carry their own context.
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: config.natsTimeoutMs,
  });
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const embedded: EmbeddedNats | undefined = config.natsUrl
    ? undefined
    : await startEmbeddedNats({ dataDir: config.memory ? undefined : config.dataDir, log });
  const natsUrl = config.natsUrl ?? embedded!.url;
  try {
    const nc = await connectNats(natsUrl, config);
    const engine = await Engine.open(nc, {
      namespace: config.namespace,
      replicas: config.replicas,
      storage: config.memory ? "memory" : "file",
      timeoutMs: config.natsTimeoutMs,
      log,
    });
    const endpoint = new KinesisEndpoint(
      {
        engine,
        settings: config,
        iterators: new ShardIteratorCodec(engine.tokenKey),
        pageTokens: new PageTokenCodec(engine.tokenKey),
      },
      log,
    );
    const app = createHttpApp(endpoint, log);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
    log.info({ url, nats: natsUrl, namespace: config.namespace, storage: config.memory ? "memory" : "file" }, "Kinesis endpoint ready");
    return {
      url,
      natsUrl,
      async close() {
        // SubscribeToShard streams would hold the close for minutes: end them first, cleanly.
        engine.feeds.endAll("shutdown");
        await app.close();
        engine.close();
        await nc.drain().catch(() => nc.close());
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
