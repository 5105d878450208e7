/**
 * The tools beside the server, behind `kinesis-nats <verb>`: the server's CLI hands every verb
 * but `serve` to runTool. They talk to a server through the Kinesis API (or, for the
 * benchmark's native runs, to JetStream), so the server's own install needs none of them.
 */
import { runBenchCommand } from "./bench/bench-cli.js";
import { runExport } from "./cli/export.js";
import { runImport } from "./cli/import.js";
import { runPut } from "./cli/put.js";
import { runStreams } from "./cli/streams.js";
import { runTail } from "./cli/tail.js";

const VERBS = {
  bench: runBenchCommand,
  streams: runStreams,
  put: runPut,
  tail: runTail,
  export: runExport,
  import: runImport,
} as const satisfies Record<string, (argv: readonly string[]) => Promise<void>>;

export const TOOL_VERBS = Object.keys(VERBS) as (keyof typeof VERBS)[];

const isToolVerb = (verb: string): verb is keyof typeof VERBS => Object.hasOwn(VERBS, verb);

/** Runs `kinesis-nats <verb> ...argv`; false when the verb is not a tool's. */
export async function runTool(verb: string, argv: readonly string[]): Promise<boolean> {
  if (!isToolVerb(verb)) return false;
  await VERBS[verb](argv);
  return true;
}
