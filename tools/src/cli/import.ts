import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { DescribeStreamSummaryCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { emit, kinesisClient, parseVerbArgs, runVerb, UsageError } from "./common.js";
import { asLineage, parseHeader, placementHashKey, type ExportedRecord, type ExportedShard, type ExportHeader } from "./export-file.js";
import { LayoutReplay } from "./layout-replay.js";
import { lineageOrder } from "./lineage.js";
import { Batcher } from "./put.js";

export const IMPORT_USAGE = `usage: kinesis-nats import FILE.jsonl STREAM

Puts the records of a file written by \`kinesis-nats export\` into STREAM, shard after shard in
the file's lineage order. Each record goes with an explicit hash key inside its original
shard's range (its partition key's own hash when that lies there), so it lands in the shard
with the same range, after the records it followed there. When STREAM does not exist it is
created with the export's first shards and the export's splits and merges are made again,
each once the records of the shards it closes are in: the same shards, in the same order.`;

async function readExport(file: string): Promise<{ header: ExportHeader; records: Map<string, ExportedRecord[]> }> {
  let header: ExportHeader | undefined;
  const records = new Map<string, ExportedRecord[]>();
  let lineNumber = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    lineNumber++;
    if (line === "") continue;
    if (!header) {
      header = parseHeader(line);
      for (const shard of header.shards) records.set(shard.shardId, []);
      continue;
    }
    const record = JSON.parse(line) as ExportedRecord;
    const ofShard = records.get(record.shardId);
    if (!ofShard) throw new Error(`line ${lineNumber}: shard ${record.shardId} is not among the export's shards`);
    ofShard.push(record);
  }
  return { header: header ?? parseHeader(undefined), records };
}

async function streamExists(kinesis: KinesisClient, streamName: string): Promise<boolean> {
  return kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })).then(
    () => true,
    (error: unknown) => {
      if ((error as Error).name === "ResourceNotFoundException") return false;
      throw error;
    },
  );
}

async function importFile(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseVerbArgs(argv, {});
  const [file, streamName, ...extra] = positionals;
  if (!file || !streamName) throw new UsageError("import: which file, and which stream?");
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
  const { header, records } = await readExport(file);
  const kinesis = kinesisClient(values.endpoint);
  const batcher = new Batcher(kinesis, streamName);
  let reshards = 0;
  let replay: LayoutReplay | undefined;
  try {
    if (!(await streamExists(kinesis, streamName))) {
      replay = new LayoutReplay(kinesis, streamName, header.shards);
      await replay.create();
    }
    const ordered: ExportedShard[] = lineageOrder(header.shards.map(asLineage)).map((s) => s.exported);
    for (const shard of ordered) {
      if (replay && !replay.counterpart.has(shard.shardId)) {
        // The shards this reshard closes must hold all their records first.
        await batcher.flush();
        await replay.reshardMaking(shard);
        reshards++;
      }
      for (const record of records.get(shard.shardId)!) {
        await batcher.add(Buffer.from(record.data, "base64"), record.partitionKey, placementHashKey(record, shard));
      }
    }
    await batcher.flush();
  } finally {
    kinesis.destroy();
  }
  const { tally } = batcher;
  const result = {
    StreamName: streamName,
    Created: replay !== undefined,
    Reshards: reshards,
    Records: tally.records,
    Retried: tally.retried,
    Shards: tally.shards,
  };
  emit(values.json, result, () => {
    const created = replay ? ` (created with the export's layout, ${reshards} reshard${reshards === 1 ? "" : "s"} made again)` : "";
    return `imported ${tally.records} record${tally.records === 1 ? "" : "s"} into ${streamName}${created}`;
  });
}

/** `kinesis-nats import ...`. */
export const runImport = (argv: readonly string[]): Promise<void> => runVerb(IMPORT_USAGE, argv, importFile);
