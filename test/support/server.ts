import { randomBytes } from "node:crypto";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { pino } from "pino";
import { afterAll, beforeAll, inject } from "vitest";
import { loadConfig, type Config } from "../../src/config.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { TEST_CREDENTIALS } from "./signing.js";

/** A namespace of its own keeps a test file's streams apart from every other file's. */
export const uniqueNamespace = (): string => `t${randomBytes(5).toString("hex")}`;

/** Our server, in this process, on a free loopback port, on the shared test nats-server. */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<RunningServer> {
  const config: Config = {
    ...loadConfig([], {}),
    port: 0,
    natsUrl: inject("natsUrl"),
    memory: true,
    namespace: uniqueNamespace(),
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    registerConsumerMs: 0,
    deregisterConsumerMs: 0,
    // Failures the tests provoke on purpose would fill the output; TEST_LOG_LEVEL=debug shows all.
    logLevel: (process.env.TEST_LOG_LEVEL as Config["logLevel"] | undefined) ?? "silent",
    ...overrides,
  };
  return startServer(config, pino({ level: config.logLevel }));
}

export { TEST_CREDENTIALS } from "./signing.js";

/** The AWS SDK for JavaScript v3 with its default settings (HTTP/2 to an http:// endpoint). */
export function sdkClient(server: RunningServer): KinesisClient {
  return new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS });
}

let counter = 0;
/** A stream name no other test uses; dots included on purpose, Kinesis allows them. */
export const uniqueStreamName = (prefix = "stream"): string => `${prefix}.${process.pid}-${Date.now().toString(36)}-${counter++}`;

/** One server instance and an SDK client of it. */
export interface TestService {
  server: RunningServer;
  kinesis: KinesisClient;
}

/** Starts a server before the tests of the file (or describe block) and stops it after. */
export function useTestServer(): TestService {
  const service = {} as TestService;
  beforeAll(async () => {
    service.server = await startTestServer();
    service.kinesis = sdkClient(service.server);
  });
  afterAll(async () => {
    service.kinesis?.destroy();
    await service.server?.close();
  });
  return service;
}

/** Two server instances on one NATS namespace, one service to their clients. */
export interface TwoInstances {
  clientA: KinesisClient;
  clientB: KinesisClient;
}

/** Starts two instances before the tests of the file (or describe block) and stops them after. */
export function useTwoInstances(): TwoInstances {
  const instances = {} as TwoInstances;
  let servers: RunningServer[] = [];
  beforeAll(async () => {
    const namespace = uniqueNamespace();
    servers = await Promise.all([startTestServer({ namespace }), startTestServer({ namespace })]);
    instances.clientA = sdkClient(servers[0]!);
    instances.clientB = sdkClient(servers[1]!);
  });
  afterAll(async () => {
    instances.clientA?.destroy();
    instances.clientB?.destroy();
    await Promise.all(servers.map((server) => server.close()));
  });
  return instances;
}
