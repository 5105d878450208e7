import { spawn, type ChildProcess } from "node:child_process";

/**
 * Stops a child process when this one dies, however it dies. Linux can tell a child so
 * (PR_SET_PDEATHSIG) but Node cannot ask for it, and kill -9 runs no handler of ours. So a
 * small shell sits beside the child reading a pipe from us that it never gets data on: when we
 * die the kernel closes our end, its read returns, and it stops the child (TERM, then KILL after
 * five seconds).
 */
const GUARD_SCRIPT = [
  "read -r _",
  'kill -TERM "$1" 2>/dev/null',
  "i=0",
  'while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done',
  'kill -KILL "$1" 2>/dev/null',
].join("\n");

export interface OrphanGuard {
  /** Leaves the child alone from now on (it stopped, or we stop it ourselves). */
  release(): void;
}

export function guardAgainstOrphan(pid: number): OrphanGuard {
  // A process group of its own, as the child's: Ctrl-C in a terminal must not end it early.
  const guard: ChildProcess = spawn("sh", ["-c", GUARD_SCRIPT, "kinesis-nats-guard", String(pid)], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  // Neither the guard nor its pipe keeps our event loop running.
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  guard.on("error", () => undefined);
  guard.stdin?.on("error", () => undefined);
  return {
    release() {
      if (guard.exitCode === null && guard.signalCode === null) guard.kill("SIGKILL");
    },
  };
}
