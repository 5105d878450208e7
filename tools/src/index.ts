/**
 * The tools beside the server, behind `kinesis-nats <verb>`: the server's CLI hands every verb
 * but `serve` to runTool. They talk to a server through the Kinesis API (or, for the
 * benchmark's native runs, to JetStream), so the server's own install needs none of them.
 */
type Verb = (argv: readonly string[]) => Promise<void>;

/** Each verb's module, loaded when it runs: `put` starts without the bench's. */
const VERBS = {
  bench: async () => (await import("./bench/bench-cli.js")).runBenchCommand,
  mirror: async () => (await import("./mirror/mirror-command.js")).runMirrorCommand,
  streams: async () => (await import("./cli/streams.js")).runStreams,
  put: async () => (await import("./cli/put.js")).runPut,
  tail: async () => (await import("./cli/tail.js")).runTail,
  export: async () => (await import("./cli/export.js")).runExport,
  import: async () => (await import("./cli/import.js")).runImport,
} as const satisfies Record<string, () => Promise<Verb>>;

export const TOOL_VERBS = Object.keys(VERBS) as (keyof typeof VERBS)[];

const isToolVerb = (verb: string): verb is keyof typeof VERBS => Object.hasOwn(VERBS, verb);

/** Runs `kinesis-nats <verb> ...argv`; false when the verb is not a tool's. */
export async function runTool(verb: string, argv: readonly string[]): Promise<boolean> {
  if (!isToolVerb(verb)) return false;
  await (
    await VERBS[verb]()
  )(argv);
  return true;
}
