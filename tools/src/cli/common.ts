import { parseArgs, type ParseArgsConfig } from "node:util";
import { KinesisClient, waitUntilStreamExists } from "@aws-sdk/client-kinesis";

/**
 * What every everyday verb shares: the endpoint and client, `--json` or human text, `--help`,
 * and errors as one line on stderr.
 */

export const DEFAULT_ENDPOINT = "http://127.0.0.1:4567";

/** The options every verb takes, described once for every verb's --help. */
export const COMMON_HELP = `Common options:
  --endpoint URL   Kinesis endpoint (default ${DEFAULT_ENDPOINT}; any endpoint, ours or AWS)
  --json           machine-readable output (one JSON document, or one object a line)
  --help           this text
Region and credentials come from the AWS environment (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_PROFILE...);
with none set, us-east-1 and dummy keys, which a local server accepts.`;

/** A mistake in the command line: the verb prints it with its usage and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

const COMMON_OPTIONS = {
  endpoint: { type: "string", default: DEFAULT_ENDPOINT },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies OptionSpecs;

/** Parses a verb's argv: its own options and the common ones. */
export function parseVerbArgs<O extends OptionSpecs>(
  argv: readonly string[],
  options: O,
): ReturnType<typeof parseArgs<{ options: typeof COMMON_OPTIONS & O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A whole number of at least `min` from a flag's text. */
export function wholeNumber(text: string | undefined, flag: string, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} must be a whole number of at least ${min}: ${text}`);
  return value;
}

const hasAwsCredentials = (env: NodeJS.ProcessEnv): boolean =>
  Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI);

/** A Kinesis client of the endpoint, credentials and region from the environment, else dummy ones for a local server. */
export function kinesisClient(endpoint: string, env: NodeJS.ProcessEnv = process.env): KinesisClient {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  // The SDK's own chain finds environment keys, profiles and roles; a local server takes any keys.
  const credentials = hasAwsCredentials(env) ? undefined : { accessKeyId: "local", secretAccessKey: "local" };
  return new KinesisClient({ endpoint, region, ...(credentials && { credentials }) });
}

/** Waits until a stream is ACTIVE (after a create or a reshard). */
export async function waitActive(kinesis: KinesisClient, streamName: string, maxWaitTime = 120): Promise<void> {
  await waitUntilStreamExists({ client: kinesis, maxWaitTime, minDelay: 1, maxDelay: 2 }, { StreamName: streamName });
}

/** Prints a result: JSON for scripts, or the human text. */
export function emit(json: boolean, value: unknown, human: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : human());
}

/**
 * Runs a verb: --help prints its usage; a usage mistake prints it with the usage (exit 2); an
 * error from the endpoint prints its type and message (exit 1).
 */
export async function runVerb(usage: string, argv: readonly string[], verb: (argv: readonly string[]) => Promise<void>): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(`${usage}\n\n${COMMON_HELP}`);
    return;
  }
  try {
    await verb(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    const { name, message } = error as Error;
    console.error(`${name}: ${message}`);
    process.exitCode = 1;
  }
}
