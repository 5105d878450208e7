import { readFileSync } from "node:fs";
import { z } from "zod";

/** An access key the server accepts signatures of, and what it may do. */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The IAM user name in ARNs and AccessDeniedException messages. */
  readonly user: string;
  /** Stream-name prefixes this key may touch; undefined means every stream and the account. */
  readonly streamPrefixes?: readonly string[];
  readonly access: "read-write" | "read-only";
}

const accessKeySchema = z.object({
  accessKeyId: z.string().regex(/^[A-Za-z0-9]{1,128}$/, "letters and digits only"),
  secretAccessKey: z.string().min(1),
  user: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, "an IAM user name")
    .optional(),
  streamPrefixes: z.array(z.string()).min(1).optional(),
  access: z.enum(["read-write", "read-only"]).default("read-write"),
});

const fileSchema = z.object({ accessKeys: z.array(accessKeySchema) });

function toAccessKey(entry: z.infer<typeof accessKeySchema>): AccessKey {
  return { ...entry, user: entry.user ?? entry.accessKeyId };
}

/** `AKID:secret,AKID2:secret2`: full-access keys, for a quick setup through the environment. */
function parseInlineKeys(text: string): AccessKey[] {
  return text
    .split(",")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "")
    .map((pair) => {
      const colon = pair.indexOf(":");
      if (colon <= 0 || colon === pair.length - 1) throw new Error("credentials: expected AKID:secret[,AKID:secret...]");
      return toAccessKey(accessKeySchema.parse({ accessKeyId: pair.slice(0, colon), secretAccessKey: pair.slice(colon + 1) }));
    });
}

function readKeyFile(path: string): AccessKey[] {
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) {
    throw new Error(`credentials file ${path}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data.accessKeys.map(toAccessKey);
}

/**
 * The access keys of the configuration, by id. Empty means signatures are not checked (any
 * credentials work, as with the emulators); one key or more turns verification on.
 */
export function loadAccessKeys(settings: { credentialsFile?: string; credentials?: string }): ReadonlyMap<string, AccessKey> {
  const keys = [
    ...(settings.credentialsFile ? readKeyFile(settings.credentialsFile) : []),
    ...(settings.credentials ? parseInlineKeys(settings.credentials) : []),
  ];
  const byId = new Map<string, AccessKey>();
  for (const key of keys) {
    if (byId.has(key.accessKeyId)) throw new Error(`credentials: access key ${key.accessKeyId} is given twice`);
    byId.set(key.accessKeyId, key);
  }
  return byId;
}
