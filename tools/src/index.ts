/**
 * The tools beside the server, behind `kinesis-nats <verb>`: the server's CLI hands every verb
 * but `serve` to runTool. They talk to a server through the Kinesis API (or, for the
 * benchmark's native runs, to JetStream), so the server's own install needs none of them.
 */
import { runBenchCommand } from "./bench/bench-cli.js";
import { runMirrorCommand } from "./mirror/mirror-command.js";

export const TOOL_VERBS = ["bench", "mirror"] as const;

/** Runs `kinesis-nats <verb> ...argv`; false when the verb is not a tool's. */
export async function runTool(verb: string, argv: readonly string[]): Promise<boolean> {
  if (verb === "bench") {
    await runBenchCommand(argv);
    return true;
  }
  if (verb === "mirror") {
    await runMirrorCommand(argv);
    return true;
  }
  return false;
}
