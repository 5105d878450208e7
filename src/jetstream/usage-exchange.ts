import { randomUUID } from "node:crypto";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";

/** Amounts used since the last report, by the name of what was used. */
export type Usage = ReadonlyMap<string, number>;

/** Names of up to ~200 bytes each: a report stays under 256 KiB, below NATS's default 1 MiB max_payload. */
const KEYS_PER_REPORT = 1000;

interface UsageReport {
  readonly from: string;
  readonly usage: Record<string, number>;
}

/**
 * Instances of one namespace telling each other what they used, on a core NATS subject: no
 * JetStream, nothing stored, no reply awaited. A report lost or late only makes the others
 * learn of that usage later. Each instance hears every report but its own.
 */
export class UsageExchange {
  private readonly id = randomUUID();
  private readonly subscription: Subscription;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    listener: (usage: Usage) => void,
    log: Logger,
  ) {
    this.subscription = nc.subscribe(subject, {
      callback: (error, message) => {
        if (error) return;
        try {
          const report = message.json<UsageReport>();
          if (report.from !== this.id) listener(new Map(Object.entries(report.usage)));
        } catch (cause) {
          log.warn({ err: cause, subject }, "unreadable usage report ignored");
        }
      },
    });
  }

  /** Sends the usage in reports of at most KEYS_PER_REPORT names, each well within any max_payload. */
  publish(usage: Usage): void {
    if (this.nc.isClosed()) return;
    const entries = [...usage];
    for (let start = 0; start < entries.length; start += KEYS_PER_REPORT) {
      const report: UsageReport = { from: this.id, usage: Object.fromEntries(entries.slice(start, start + KEYS_PER_REPORT)) };
      this.nc.publish(this.subject, JSON.stringify(report));
    }
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}
