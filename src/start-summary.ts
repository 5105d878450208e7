import type { Config } from "./config.js";

/** The message of the one record the server logs when it is ready; tools wait for it. */
export const READY_MESSAGE = "Kinesis endpoint ready";

/** What an operator needs to know about a server that just started, as logged in JSON. */
export interface StartFacts {
  readonly url: string;
  readonly tlsUrl?: string;
  /** The certificate clients of the TLS listener must trust. */
  readonly tlsCert?: string;
  readonly nats: string;
  /** The nats-server is the one this process started. */
  readonly natsEmbedded: boolean;
  /** Where JetStream keeps the data: "memory", the embedded server's directory, or "nats" (the external server's own). */
  readonly data: string;
  readonly namespace: string;
  /** How requests are authenticated: "verified" (access keys configured), "signature-check" (any keys), "none". */
  readonly auth: "verified" | "signature-check" | "none";
  /** Access keys whose signatures are verified (auth "verified"). */
  readonly accessKeys?: number;
  /** Server processes behind the endpoint (with --workers). */
  readonly workers?: number;
}

export interface ListeningAt {
  readonly url: string;
  readonly tlsUrl?: string;
  readonly tlsCert?: string;
  readonly natsUrl: string;
  readonly accessKeys: number;
  readonly workers?: number;
}

/** The start record's fields, from the configuration and what the start found. */
export function startFacts(config: Config, at: ListeningAt): StartFacts {
  const embedded = config.natsUrl === undefined;
  const auth = at.accessKeys > 0 ? "verified" : config.noSignatureCheck ? "none" : "signature-check";
  return {
    url: at.url,
    ...(at.tlsUrl && { tlsUrl: at.tlsUrl }),
    ...(at.tlsCert && { tlsCert: at.tlsCert }),
    nats: at.natsUrl,
    natsEmbedded: embedded,
    data: config.memory ? "memory" : embedded ? config.dataDir : "nats",
    namespace: config.namespace,
    auth,
    ...(auth === "verified" && { accessKeys: at.accessKeys }),
    ...(at.workers !== undefined && { workers: at.workers }),
  };
}

const AUTH_TEXT = {
  verified: (keys: number) => `SigV4 signatures verified against ${keys} access key${keys === 1 ? "" : "s"}`,
  "signature-check": () => "any credentials, but every request must carry a well-formed SigV4 signature",
  none: () => "none: signatures are not looked at (--no-signature-check)",
} as const;

function dataText(facts: StartFacts): string {
  if (facts.data === "memory") return "memory (nothing on disk)";
  if (facts.data === "nats") return "kept by the NATS server";
  return facts.data;
}

/** The start record as a terminal shows it: one aligned block, label and value a line. */
export function startBlock(facts: StartFacts): string {
  const rows: [string, string][] = [["endpoint", facts.url]];
  if (facts.tlsUrl) rows.push(["TLS endpoint", facts.tlsUrl]);
  if (facts.tlsCert) rows.push(["TLS certificate", `${facts.tlsCert} (clients must trust it)`]);
  rows.push(["NATS", facts.natsEmbedded ? `${facts.nats} (embedded)` : facts.nats]);
  rows.push(["data", dataText(facts)]);
  rows.push(["namespace", facts.namespace]);
  rows.push(["auth", AUTH_TEXT[facts.auth](facts.accessKeys ?? 0)]);
  if (facts.workers !== undefined) rows.push(["workers", String(facts.workers)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return [READY_MESSAGE, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join("\n");
}
