import { pollingApplication, subscribingApplication } from "./kinesis-runs.js";
import { measureLive } from "./live-run.js";
import { batchFor } from "./options.js";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { BenchStream } from "./kinesis-target.js";
import type { Writer } from "./live-run.js";
import type { BenchOptions } from "./options.js";
import type { Reader } from "./reader.js";
import type { SoakMinute, SoakResult } from "./results.js";
import { megabytes, soakLine, soakVerdict } from "./soak-verdict.js";
import type { ProcessWatch } from "../server-process.js";

/** What a soak runs with: the bench's client, stream, writer thread and process watch. */
export interface SoakContext {
  readonly options: BenchOptions;
  readonly kinesis: { readonly client: KinesisClient; readonly stream: BenchStream };
  readonly writer?: Writer;
  readonly watch: ProcessWatch;
}

/**
 * `--soak MINUTES`: the live workload held for that long, one minute at a time: the writer at
 * `--rate` (PutRecords of `--live-batch`) while one application polls every shard with
 * GetRecords and, where the endpoint has registered consumers, another reads by
 * SubscribeToShard. After each minute, the server's RSS is printed; every record of each
 * minute must reach both applications exactly once. The verdict compares the RSS after the
 * last minute with the RSS after warm-up (the first minute).
 */
export async function soak(ctx: SoakContext, consumerArns: readonly string[] | undefined, say: (line: string) => void): Promise<SoakResult> {
  const { options, kinesis, writer, watch } = ctx;
  const recordBytes = options.liveSizes[0]!;
  const minutes: SoakMinute[] = [];
  const readers = (): Reader[] => [
    pollingApplication(kinesis.client, kinesis.stream, options.pollMs),
    ...(consumerArns && consumerArns.length > 0 ? [subscribingApplication(kinesis.client, kinesis.stream, consumerArns[0]!)] : []),
  ];
  const methods = consumerArns && consumerArns.length > 0 ? "GetRecords polling and SubscribeToShard" : "GetRecords polling";
  say(`Soak: ${options.soakMinutes} min at ${options.rate} records/s of ${recordBytes} B, read by ${methods}; warm-up: the first minute`);
  for (let minute = 1; minute <= options.soakMinutes; minute++) {
    const begin = watch.beginRun();
    const outcome = await measureLive(
      readers(),
      writer!,
      {
        run: 1_000_000 + minute,
        target: { kind: "kinesis", stream: kinesis.stream.name },
        rate: options.rate,
        seconds: 60,
        batch: batchFor(options.liveBatch, recordBytes),
        recordBytes,
        settleMs: options.pollMs,
      },
      watch,
    );
    const end = watch.endRun(begin);
    const exactlyOnce = outcome.checks.every((c) => c.exactlyOnce) && !outcome.error;
    const sample: SoakMinute = {
      minute,
      rssBytes: watch.serverRssNow(),
      peakRssBytes: end.serverRssBytes,
      records: outcome.written,
      exactlyOnce,
      ...(outcome.error && { error: outcome.error }),
    };
    minutes.push(sample);
    say(
      `  minute ${minute}/${options.soakMinutes}: server RSS ${megabytes(sample.rssBytes)} (peak in the minute ${megabytes(sample.peakRssBytes)}), ` +
        `${sample.records.toLocaleString("en-US")} records, exactly once: ${exactlyOnce ? "yes" : `NO${outcome.error ? ` (${outcome.error})` : ""}`}`,
    );
  }
  const result = soakVerdict(minutes, options.soakMinutes);
  say(`  ${soakLine(result)}`);
  return result;
}
