#!/usr/bin/env node
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { loadConfig, USAGE } from "./config.js";

/** In-flight requests get this long to finish at shutdown before connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

const SERVE_USAGE = "usage: kinesis-nats [serve] [options]";

async function serve(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(`${SERVE_USAGE}\n\n${USAGE}`);
    return;
  }
  const config = loadConfig(argv);
  // Loaded here, not at the top: the other verbs and --version start without the server's modules.
  const [{ createLogger }, { startServer }, { runPrimary, workerCountOf }] = await Promise.all([
    import("./logger.js"),
    import("./server.js"),
    import("./system/workers.js"),
  ]);
  const workers = workerCountOf(config.workers);
  if (cluster.isPrimary && workers > 1) {
    const log = createLogger({ level: config.logLevel, base: { pid: process.pid, role: "primary" } });
    const dataDir = config.memory ? undefined : config.dataDir;
    return runPrimary({ count: workers, natsUrl: config.natsUrl, dataDir, syncInterval: config.syncInterval, installMissing: config.installMissing, log });
  }
  const log = createLogger({ level: config.logLevel, ...(cluster.isWorker && { base: { pid: process.pid, worker: cluster.worker!.id } }) });
  const server = await startServer(config, log, cluster.isWorker);
  // A worker stops when the primary tells it to (SIGTERM); Ctrl-C reaches the primary, which does.
  if (cluster.isWorker) process.on("SIGINT", () => undefined);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      log.error("shutdown took too long: exiting");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    server.close().then(
      () => {
        clearTimeout(force);
        log.info("stopped");
        // The channel to the primary would keep a worker alive.
        if (cluster.isWorker) process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "error while shutting down");
        process.exit(1);
      },
    );
  };
  if (!cluster.isWorker) process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/** The tools (kinesis-nats-tools): installed beside the server by `npm install`, left out of a server-only install. */
async function runTool(verb: string, argv: string[]): Promise<boolean> {
  let tools: { runTool(verb: string, argv: readonly string[]): Promise<boolean> };
  try {
    // A name in a variable: the server is built without the tools (they depend on it, not it on them).
    const toolsPackage = "kinesis-nats-tools";
    tools = (await import(toolsPackage)) as typeof tools;
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    console.error(`kinesis-nats ${verb}: the tools are not installed here (a server-only install). Run: npm install --workspaces`);
    process.exit(2);
  }
  return tools.runTool(verb, argv);
}

/** dist/cli.js sits beside package.json's folder in a build, as src/cli.ts does in the tree. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

const TOOLS_USAGE = [
  "kinesis-nats streams ls | create NAME | describe NAME | delete NAME | reshard NAME --shards N",
  "kinesis-nats put STREAM [DATA...] | tail STREAM | export STREAM FILE.jsonl | import FILE.jsonl STREAM",
  "kinesis-nats mirror SOURCE-STREAM [options] | mirror compare SOURCE-STREAM",
  "kinesis-nats bench [cost | fanout | protocols] [options]",
  "kinesis-nats --version          (each verb takes --help)",
].join("\n       ");

async function main(): Promise<void> {
  const [command = "serve", ...rest] = process.argv.slice(2);
  if (command === "--version" || command === "-v") return console.log(packageVersion());
  if (command === "serve") return serve(rest);
  if (command.startsWith("-") && command !== "--help" && command !== "-h") return serve(process.argv.slice(2));
  if (command !== "help" && command !== "--help" && command !== "-h" && (await runTool(command, rest))) return;
  console.error(`${SERVE_USAGE}\n       ${TOOLS_USAGE}\n\n${USAGE}`);
  process.exit(command === "help" || command === "--help" || command === "-h" ? 0 : 2);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
