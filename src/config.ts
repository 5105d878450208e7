import { parseArgs } from "node:util";
import { z } from "zod";

/** Everything the server can be told, from flags first, then environment, then defaults. */
const configSchema = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(4567),
  /** Use this NATS server or cluster (comma-separated URLs); without it, start our own. */
  natsUrl: z.string().min(1).optional(),
  /** Where the embedded nats-server keeps JetStream data. */
  dataDir: z.string().min(1).default("./data"),
  /** JetStream memory storage, nothing on disk: throwaway runs such as CI. */
  memory: z.boolean().default(false),
  /** The embedded server's JetStream sync_interval (2.10+): "always", a duration, or "default". */
  syncInterval: z
    .string()
    .regex(/^(always|default|\d+(ms|s|m|h))$/)
    .default("always"),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' and '-' only")
    .default("kinesis"),
  region: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default("us-east-1"),
  accountId: z
    .string()
    .regex(/^\d{12}$/, "12 digits")
    .default("000000000000"),
  replicas: z.coerce.number().int().min(1).max(5).default(1),
  createStreamMs: z.coerce.number().int().min(0).default(500),
  deleteStreamMs: z.coerce.number().int().min(0).default(500),
  updateStreamMs: z.coerce.number().int().min(0).default(500),
  shardLimit: z.coerce.number().int().min(1).default(500),
  registerConsumerMs: z.coerce.number().int().min(0).default(500),
  deregisterConsumerMs: z.coerce.number().int().min(0).default(500),
  /** A SubscribeToShard stream ends after this long (Kinesis: 5 minutes). */
  subscriptionMs: z.coerce.number().int().min(1).default(300_000),
  /** Longest a SubscribeToShard stream goes without an event (Kinesis: 5 s). */
  subscriptionHeartbeatMs: z.coerce.number().int().min(100).default(5_000),
  natsTimeoutMs: z.coerce.number().int().min(100).default(5000),
  /** A request must arrive whole within this (slow or stalled clients are cut off). */
  requestTimeoutMs: z.coerce.number().int().min(100).default(60_000),
  /** Request bodies held in memory at once, all connections together (MiB); past it new bodies get a retryable 503. */
  bodyMemoryMib: z.coerce.number().int().min(16).default(128),
  /** Record data GetRecords answers hold at once, all connections together (MiB); past it answers get fewer records. */
  readMemoryMib: z.coerce.number().int().min(1).default(32),
  /** How long a retried PutRecord(s) with the same SDK invocation id is recognised and not stored twice. */
  dedupeWindowMs: z.coerce.number().int().min(1000).default(120_000),
  /** Master key for encryption at rest (base64 of 32 bytes); by default one kept in NATS. */
  masterKey: z
    .string()
    .refine((text) => Buffer.from(text, "base64").length === 32, "base64 of 32 bytes")
    .optional(),
  /** Also listen with TLS (HTTP/2 or HTTP/1.1 by ALPN), with a self-signed certificate for localhost unless one is given. */
  tls: z.boolean().default(false),
  tlsPort: z.coerce.number().int().min(0).max(65535).default(4568),
  /** PEM certificate (chain) and private key of the TLS listener; giving them turns it on. */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  /** Access keys whose signatures are checked (JSON file); with none, any credentials are accepted. */
  credentialsFile: z.string().min(1).optional(),
  /** Access keys as `AKID:secret[,AKID:secret...]`, full access each. */
  credentials: z.string().min(1).optional(),
  /** Look at no signature at all (for hand-made requests); by default every request must carry a well-formed one. */
  noSignatureCheck: z.boolean().default(false),
  /** Refuse what real Kinesis refuses for rate: per-shard throughput, SubscribeToShard and control-plane calls per second. */
  enforceLimits: z.boolean().default(false),
  /** Server processes on the same ports (`auto`: one per core), sharing nothing but NATS. */
  workers: z
    .string()
    .regex(/^(auto|[1-9]\d*)$/, "a whole number of at least 1, or auto")
    .default("1"),
  /** Serve /metrics to anyone even when access keys are configured (a scraper that cannot send Basic credentials). */
  metricsPublic: z.boolean().default(false),
  /** Install a missing Debian package the server runs (nats-server, openssl), saying so first; `--install-missing false` refuses instead. */
  installMissing: z
    .string()
    .default("true")
    .transform((text) => !["0", "false", "no", "off"].includes(text.toLowerCase())),
  /** Most CloudWatch series (namespace, metric, unit, dimensions) kept for /metrics; data points of more are dropped and counted. */
  cloudwatchMaxSeries: z.coerce.number().int().min(0).default(10_000),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Config = z.infer<typeof configSchema>;

/** Flag name, environment variable and config key of each setting. */
const SETTINGS: ReadonlyArray<readonly [flag: string, env: string, key: keyof Config]> = [
  ["host", "KINESIS_HOST", "host"],
  ["port", "KINESIS_PORT", "port"],
  ["nats-url", "NATS_URL", "natsUrl"],
  ["data-dir", "KINESIS_DATA_DIR", "dataDir"],
  ["memory", "KINESIS_MEMORY", "memory"],
  ["sync-interval", "KINESIS_SYNC_INTERVAL", "syncInterval"],
  ["namespace", "KINESIS_NAMESPACE", "namespace"],
  ["region", "AWS_REGION", "region"],
  ["account-id", "KINESIS_ACCOUNT_ID", "accountId"],
  ["replicas", "KINESIS_REPLICAS", "replicas"],
  ["create-stream-ms", "KINESIS_CREATE_STREAM_MS", "createStreamMs"],
  ["delete-stream-ms", "KINESIS_DELETE_STREAM_MS", "deleteStreamMs"],
  ["update-stream-ms", "KINESIS_UPDATE_STREAM_MS", "updateStreamMs"],
  ["shard-limit", "KINESIS_SHARD_LIMIT", "shardLimit"],
  ["register-consumer-ms", "KINESIS_REGISTER_CONSUMER_MS", "registerConsumerMs"],
  ["deregister-consumer-ms", "KINESIS_DEREGISTER_CONSUMER_MS", "deregisterConsumerMs"],
  ["subscription-ms", "KINESIS_SUBSCRIPTION_MS", "subscriptionMs"],
  ["subscription-heartbeat-ms", "KINESIS_SUBSCRIPTION_HEARTBEAT_MS", "subscriptionHeartbeatMs"],
  ["nats-timeout-ms", "KINESIS_NATS_TIMEOUT_MS", "natsTimeoutMs"],
  ["body-memory-mib", "KINESIS_BODY_MEMORY_MIB", "bodyMemoryMib"],
  ["read-memory-mib", "KINESIS_READ_MEMORY_MIB", "readMemoryMib"],
  ["dedupe-window-ms", "KINESIS_DEDUPE_WINDOW_MS", "dedupeWindowMs"],
  ["request-timeout-ms", "KINESIS_REQUEST_TIMEOUT_MS", "requestTimeoutMs"],
  ["master-key", "KINESIS_MASTER_KEY", "masterKey"],
  ["tls", "KINESIS_TLS", "tls"],
  ["tls-port", "KINESIS_TLS_PORT", "tlsPort"],
  ["tls-cert", "KINESIS_TLS_CERT", "tlsCert"],
  ["tls-key", "KINESIS_TLS_KEY", "tlsKey"],
  ["credentials-file", "KINESIS_CREDENTIALS_FILE", "credentialsFile"],
  ["credentials", "KINESIS_CREDENTIALS", "credentials"],
  ["no-signature-check", "KINESIS_NO_SIGNATURE_CHECK", "noSignatureCheck"],
  ["metrics-public", "KINESIS_METRICS_PUBLIC", "metricsPublic"],
  ["enforce-limits", "KINESIS_ENFORCE_LIMITS", "enforceLimits"],
  ["workers", "KINESIS_WORKERS", "workers"],
  ["install-missing", "KINESIS_INSTALL_MISSING", "installMissing"],
  ["cloudwatch-max-series", "KINESIS_CLOUDWATCH_MAX_SERIES", "cloudwatchMaxSeries"],
  ["log-level", "LOG_LEVEL", "logLevel"],
];

/** Settings given as bare flags (`--memory`), or as 1/true/yes in the environment. */
const BOOLEAN_KEYS: ReadonlySet<keyof Config> = new Set(["memory", "tls", "noSignatureCheck", "metricsPublic", "enforceLimits"]);

export const USAGE = ["Options (flag, or environment variable):", ...SETTINGS.map(([flag, env]) => `  --${flag.padEnd(18)} ${env}`)].join("\n");

const truthy = (text: string): boolean => !["", "0", "false", "no"].includes(text.toLowerCase());

/** Reads flags (`--port 4567`, `--memory`) and environment variables into a checked Config. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const options = Object.fromEntries(SETTINGS.map(([flag, , key]) => [flag, { type: BOOLEAN_KEYS.has(key) ? ("boolean" as const) : ("string" as const) }]));
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const raw: Record<string, unknown> = {};
  for (const [flag, envName, key] of SETTINGS) {
    const value = values[flag] ?? env[envName];
    if (value === undefined || value === "") continue;
    raw[key] = BOOLEAN_KEYS.has(key) && typeof value === "string" ? truthy(value) : value;
  }
  const parsed = configSchema
    .refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), { message: "give both or neither", path: ["tlsCert/tlsKey"] })
    .safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join("; ")}`);
  }
  return parsed.data;
}
