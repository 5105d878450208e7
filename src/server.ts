import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { FastifyInstance } from "fastify";
import { MemoryBudget } from "./http/memory-budget.js";
import { createHttpApp, type Liveness } from "./http/http-app.js";
import { loadAccessKeys } from "./http/auth/access-keys.js";
import { Authenticator } from "./http/auth/authenticator.js";
import { FrontDoor } from "./http/front-door.js";
import { storedResourcePolicies } from "./kinesis/iam/resource-policies.js";
import { readTlsCredentials, selfSignedCredentials, type TlsCredentials } from "./http/tls-certificate.js";
import { kinesisService } from "./kinesis/service.js";
import { dynamoDbService } from "./dynamodb/service.js";
import { MetricSeries } from "./cloudwatch/metric-series.js";
import { CloudWatchRoute } from "./cloudwatch/route.js";
import { KinesisTrafficMetrics } from "./kinesis/traffic-metrics.js";
import { ServiceMetrics } from "./http/metrics.js";
import type { Config } from "./config.js";
import { startEmbeddedNats, type EmbeddedNats } from "./system/embedded-nats.js";
import { workerLink } from "./system/workers.js";
import { READY_MESSAGE, startFacts } from "./start-summary.js";
import { Engine } from "./jetstream/engine.js";
import { PageTokenCodec } from "./kinesis/codecs/page-token.js";
import { ShardIteratorCodec } from "./kinesis/codecs/shard-iterator.js";
import { KinesisLimits } from "./kinesis/limits/kinesis-limits.js";

export interface RunningServer {
  /** http://host:port of the Kinesis endpoint. */
  readonly url: string;
  /** https://host:port of the TLS listener, when there is one. */
  readonly tlsUrl?: string;
  /** The certificate clients of the TLS listener must trust. */
  readonly tlsCertPath?: string;
  readonly natsUrl: string;
  /** Prefix of the JetStream names this server uses. */
  readonly namespace: string;
  /** Stops taking requests, lets those under way finish, then closes NATS (and the embedded server). */
  close(): Promise<void>;
}

/**
 * nats.js writes to the socket whenever 32 KiB are pending: a 500-record PutRecords call then
 * costs some 20 socket writes, each a syscall and a wake-up of nats-server. Larger writes, still
 * one per event-loop turn at most, halve that cost. The option is nats.js's own, read by its
 * protocol handler, though its type leaves it out.
 */
const NATS_WRITE_BYTES = 256 * 1024;

async function connectNats(url: string, config: Config): Promise<NatsConnection> {
  const options: ConnectionOptions & { pendingLimit: number } = {
    pendingLimit: NATS_WRITE_BYTES,
    servers: url.split(","),
    name: "kinesis-nats",
    // The default builds an Error for every request to keep async stack traces: half the CPU
    // of a publish. Our errors carry their own context.
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: config.natsTimeoutMs,
  };
  return connect(options);
}

/**
 * Node 22.12+ can give each `--workers` process a listening socket of its own on the same port
 * (SO_REUSEPORT): the kernel then spreads connections evenly, and a worker's death resets only
 * its own. Older Nodes share one socket (system/workers.ts). A random port (0) must be one port
 * for all workers, so it is always shared.
 */
const [NODE_MAJOR = 0, NODE_MINOR = 0] = process.versions.node.split(".").map(Number);
const REUSE_PORT = NODE_MAJOR > 22 || (NODE_MAJOR === 22 && NODE_MINOR >= 12);

async function listen(app: FastifyInstance, scheme: "http" | "https", host: string, port: number, ownSocket: boolean): Promise<string> {
  await app.listen({ host, port, ...(ownSocket && REUSE_PORT && port !== 0 && { reusePort: true }) });
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${bound}`;
}

function tlsCredentialsOf(config: Config, log: Logger): TlsCredentials | undefined {
  if (config.tlsCert && config.tlsKey) return readTlsCredentials(config.tlsCert, config.tlsKey);
  return config.tls ? selfSignedCredentials(config.dataDir, log, config.installMissing) : undefined;
}

/**
 * Starts the server. `asWorker`: one of the processes of `--workers N` (system/workers.ts),
 * which then says so to the primary, is ready only when every worker is, and reports every
 * worker's metrics summed.
 */
export async function startServer(config: Config, log: Logger, asWorker = false): Promise<RunningServer> {
  // Files given in the configuration are read before anything starts: a typo fails at once.
  const tls = tlsCredentialsOf(config, log);
  const accessKeys = loadAccessKeys(config);
  const embedded: EmbeddedNats | undefined = config.natsUrl
    ? undefined
    : await startEmbeddedNats({
        dataDir: config.memory ? undefined : config.dataDir,
        syncInterval: config.syncInterval,
        installMissing: config.installMissing,
        log,
      });
  const natsUrl = config.natsUrl ?? embedded!.url;
  try {
    const nc = await connectNats(natsUrl, config).catch((error: unknown) => {
      throw new Error(`waiting for NATS at ${natsUrl}: ${(error as Error).message}`, { cause: error });
    });
    const engine = await Engine.open(nc, {
      namespace: config.namespace,
      replicas: config.replicas,
      storage: config.memory ? "memory" : "file",
      timeoutMs: config.natsTimeoutMs,
      duplicateWindowMs: config.dedupeWindowMs,
      ...(config.masterKey && { masterKey: Buffer.from(config.masterKey, "base64") }),
      log,
    });
    const authenticator = new Authenticator(accessKeys, config);
    const metrics = new ServiceMetrics({ reconnects: () => engine.reconnects, connected: () => engine.available });
    const limits = config.enforceLimits ? new KinesisLimits(config, (listener) => engine.openUsageExchange(listener)) : undefined;
    const kinesis = kinesisService(
      {
        engine,
        ...(limits && { limits }),
        settings: config,
        iterators: new ShardIteratorCodec(engine.tokenKey),
        pageTokens: new PageTokenCodec(engine.tokenKey),
        traffic: new KinesisTrafficMetrics(metrics.registry, engine.catalog),
      },
      log,
      authenticator,
      storedResourcePolicies(engine.documents.policies),
    );
    const cloudWatchSeries = new MetricSeries(config.cloudwatchMaxSeries, metrics.registry);
    for (const family of cloudWatchSeries.families()) metrics.registerFamily(family);
    const cloudWatch = new CloudWatchRoute(cloudWatchSeries, log, authenticator);
    const dynamoDb = dynamoDbService({ tables: engine.tables, settings: config, available: () => engine.available }, log, authenticator);
    const frontDoor = new FrontDoor([kinesis, dynamoDb, cloudWatch], kinesis);
    const metricsAccess = (authorization: string | undefined): boolean =>
      config.metricsPublic || !authenticator.verifies || authenticator.basicCredentialsMatch(authorization);
    const link = asWorker ? workerLink(metrics.registry) : undefined;
    const live = (): Liveness => {
      // With a NATS of its own, the process is the pair: without that nats-server it cannot
      // serve, and restarting the process is the cure. A NATS run elsewhere that is down makes
      // the server not ready, not dead (restarting would not bring that NATS back).
      if (!embedded) return { live: true };
      const health = embedded.health();
      if (!health.running) return { live: false, reason: health.reason };
      if (!engine.available) return { live: false, reason: "the embedded nats-server runs; the NATS connection to it is not back yet" };
      return { live: true };
    };
    const httpOptions = {
      live,
      requestTimeoutMs: config.requestTimeoutMs,
      metrics,
      ready: async () => (await engine.ready()) && (link?.everyWorkerListening() ?? true),
      metricsAccess,
      metricsText: () => link?.metricsText() ?? metrics.registry.metrics(),
      bodyBudget: new MemoryBudget(config.bodyMemoryMib * 1024 * 1024),
      answerBudget: new MemoryBudget(config.readMemoryMib * 1024 * 1024),
    };
    const app = createHttpApp(frontDoor, log, httpOptions);
    const tlsApp = tls ? createHttpApp(frontDoor, log, { ...httpOptions, tls }) : undefined;
    let url: string;
    let tlsUrl: string | undefined;
    try {
      url = await listen(app, "http", config.host, config.port, asWorker);
      tlsUrl = tlsApp ? await listen(tlsApp, "https", config.host, config.tlsPort, asWorker) : undefined;
    } catch (error) {
      await Promise.all([app.close(), tlsApp?.close()]);
      engine.close();
      await nc.close();
      throw error;
    }
    // With --workers the primary logs the start once every worker listens.
    const facts = startFacts(config, { url, tlsUrl, tlsCert: tls?.certPath, natsUrl, accessKeys: authenticator.verifies ? accessKeys.size : 0 });
    if (link) log.info({ url, tlsUrl }, "worker listening");
    else log.info(facts, READY_MESSAGE);
    link?.listening(facts);
    return {
      url,
      tlsUrl,
      tlsCertPath: tls?.certPath,
      natsUrl,
      namespace: config.namespace,
      async close() {
        // SubscribeToShard streams would hold the close for minutes: end them first, cleanly.
        engine.endSubscriptions();
        await Promise.all([app.close(), tlsApp?.close()]);
        limits?.close();
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
