#!/usr/bin/env node
import { pino } from "pino";
import { loadConfig, USAGE } from "./config.js";
import { startServer } from "./server.js";

/** In-flight requests get this long to finish at shutdown before connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

async function serve(argv: string[]): Promise<void> {
  const config = loadConfig(argv);
  const log = pino({ level: config.logLevel });
  const server = await startServer(config, log);
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
      },
      (error: unknown) => {
        log.error({ err: error }, "error while shutting down");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

async function main(): Promise<void> {
  const [command = "serve", ...rest] = process.argv.slice(2);
  if (command === "serve") return serve(rest);
  // Loaded on demand: the benchmark pulls in the AWS SDK, which the server does not need.
  if (command === "bench") return (await import("./bench/bench-cli.js")).runBenchCommand(rest);
  if (command.startsWith("-")) return serve(process.argv.slice(2));
  console.error(`usage: kinesis-nats [serve] [options] | kinesis-nats bench [cost | fanout] [options] (kinesis-nats bench --help)\n\n${USAGE}`);
  process.exit(command === "help" || command === "--help" ? 0 : 2);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
