import { runBench } from "./bench-command.js";
import { runStreamCostCommand } from "../mirror/stream-cost.js";
import { runCostCommand } from "./cost-comparison.js";
import { runFanoutBench } from "./fanout-bench.js";
import { runLeaseBench } from "./lease-bench.js";
import { runLongReplay } from "./long-replay.js";
import { BENCH_USAGE, UsageError } from "./options.js";
import { runProtocolBench } from "./protocol-bench.js";

/** `kinesis-nats bench [cost | fanout | protocols | long-replay | leases] ...`: the subcommand, and the usage on a bad flag. */
export async function runBenchCommand(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    console.log(BENCH_USAGE);
    return;
  }
  try {
    if (first === "cost" && rest.includes("--from-stream")) await runStreamCostCommand(rest);
    else if (first === "cost") runCostCommand(rest);
    else if (first === "fanout") await runFanoutBench(rest);
    else if (first === "long-replay") await runLongReplay(rest);
    else if (first === "leases") await runLeaseBench(rest);
    else if (first === "protocols") await runProtocolBench();
    else await runBench(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${BENCH_USAGE}`);
    process.exitCode = 2;
  }
}
