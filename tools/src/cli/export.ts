import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { emit, kinesisClient, parseVerbArgs, runVerb, UsageError } from "./common.js";
import { exportedRecord, exportedShard, type ExportHeader } from "./export-file.js";
import { lineageOrder } from "./lineage.js";
import { PollingReader } from "./shard-readers.js";
import { listAllShards } from "./streams.js";

export const EXPORT_USAGE = `usage: kinesis-nats export STREAM FILE.jsonl

Writes every record of every shard to FILE.jsonl: a first line with the shards (ids, parents,
hash-key ranges), then one JSON object per record (shardId, sequenceNumber, partitionKey, data
in base64, arrival), parents' records before their children's. Open shards are read up to their
newest record. \`kinesis-nats import\` replays the file into any endpoint.`;

async function exportStream(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseVerbArgs(argv, {});
  const [streamName, file, ...extra] = positionals;
  if (!streamName || !file) throw new UsageError("export: which stream, and which file?");
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
  const kinesis = kinesisClient(values.endpoint);
  const out = createWriteStream(file);
  // Listening at once: a file that cannot be opened fails the export instead of the process.
  const written = finished(out);
  written.catch(() => undefined);
  let records = 0;
  try {
    const shards = lineageOrder(await listAllShards(kinesis, streamName));
    const header: ExportHeader = {
      format: "kinesis-nats-export",
      version: 1,
      stream: streamName,
      exportedAt: new Date().toISOString(),
      shards: shards.map(exportedShard),
    };
    out.write(`${JSON.stringify(header)}\n`);
    const reader = new PollingReader(kinesis, streamName, true);
    const signal = new AbortController().signal;
    for (const shard of shards) {
      await reader.read(
        shard.ShardId!,
        { Type: "TRIM_HORIZON" },
        (shardId, batch) => {
          records += batch.length;
          out.write(`${batch.map((record) => JSON.stringify(exportedRecord(shardId, record))).join("\n")}\n`);
        },
        signal,
      );
    }
  } finally {
    kinesis.destroy();
    out.end();
    await written;
  }
  emit(
    values.json,
    { StreamName: streamName, File: file, Records: records },
    () => `exported ${records} record${records === 1 ? "" : "s"} of ${streamName} to ${file}`,
  );
}

/** `kinesis-nats export ...`. */
export const runExport = (argv: readonly string[]): Promise<void> => runVerb(EXPORT_USAGE, argv, exportStream);
