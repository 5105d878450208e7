import type { TestProject } from "vitest/node";
import { pino } from "pino";
import { startEmbeddedNats, type EmbeddedNats } from "../../src/system/embedded-nats.js";

let nats: EmbeddedNats | undefined;

/** One real nats-server (JetStream, loopback, free port, temporary store) for the whole run. */
export async function setup(project: TestProject): Promise<void> {
  nats = await startEmbeddedNats({ log: pino({ level: "warn" }) });
  project.provide("natsUrl", nats.url);
}

export async function teardown(): Promise<void> {
  await nats?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
  }
}
