import type { Writable } from "node:stream";
import { pino, type Logger, type LoggerOptions } from "pino";
import pretty from "pino-pretty";
import { READY_MESSAGE, startBlock, type StartFacts } from "./start-summary.js";

export interface LoggerSettings {
  readonly level: LoggerOptions["level"];
  /** Fields on every line (a worker's pid and id). */
  readonly base?: Record<string, unknown>;
}

const isStartRecord = (args: unknown[]): args is [StartFacts, string] =>
  args[1] === READY_MESSAGE && typeof args[0] === "object" && args[0] !== null && "natsEmbedded" in args[0];

/**
 * The process's logger: JSON lines for machines (a pipe, a file, a container's log), readable
 * lines through pino-pretty when stdout is a terminal, where the start record becomes one block.
 * `destination`: a file descriptor (stdout by default) or a stream.
 */
export function createLogger(settings: LoggerSettings, terminal = process.stdout.isTTY === true, destination: number | Writable = 1): Logger {
  const options: LoggerOptions = { level: settings.level, ...(settings.base && { base: settings.base }) };
  // Synchronous: the lines of a process that exits right after writing them are not lost.
  if (!terminal) return pino(options, typeof destination === "number" ? pino.destination({ dest: destination, sync: true }) : destination);
  return pino(
    {
      ...options,
      hooks: {
        logMethod(args, method) {
          // The block carries every field already: logging them again below it would say it twice.
          if (isStartRecord(args)) return method.call(this, startBlock(args[0]));
          return method.apply(this, args);
        },
      },
    },
    pretty({ destination, sync: true, ignore: "hostname", translateTime: "SYS:HH:MM:ss.l" }),
  );
}
