import { InvalidArgumentException } from "../errors.js";

/** The largest policy document the service takes. */
const MAX_POLICY_BYTES = 20 * 1024;

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

const invalid = (why: string): InvalidArgumentException => new InvalidArgumentException(`Invalid policy document: ${why}`);

const stringOrStrings = (value: unknown): value is string | string[] =>
  typeof value === "string" || (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string"));

function checkStatement(statement: unknown, index: number): asserts statement is Statement {
  const where = `Statement ${index + 1}`;
  if (typeof statement !== "object" || statement === null || Array.isArray(statement)) throw invalid(`${where} is not an object.`);
  const s = statement as Record<string, unknown>;
  if (s.Effect !== "Allow" && s.Effect !== "Deny") throw invalid(`${where} needs an Effect of Allow or Deny.`);
  if (s.Principal === undefined) throw invalid(`${where} needs a Principal.`);
  if (!stringOrStrings(s.Action)) throw invalid(`${where} needs an Action.`);
  const actions = typeof s.Action === "string" ? [s.Action] : s.Action;
  if (!actions.every((a) => a === "*" || a.toLowerCase().startsWith("kinesis:"))) throw invalid(`${where} names an action that is not a kinesis: action.`);
  if (!stringOrStrings(s.Resource)) throw invalid(`${where} needs a Resource.`);
}

/**
 * Checks a resource policy the way IAM checks its shape: a JSON object with a Version and a
 * Statement (one or a list), each with Effect, Principal, kinesis: Actions and Resources.
 */
export function checkPolicyDocument(text: string): void {
  if (Buffer.byteLength(text, "utf8") > MAX_POLICY_BYTES) throw invalid(`larger than ${MAX_POLICY_BYTES} bytes.`);
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw invalid("not valid JSON.");
  }
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) throw invalid("not a JSON object.");
  const { Version, Statement } = policy as Record<string, unknown>;
  if (Version !== "2012-10-17" && Version !== "2008-10-17") throw invalid("Version must be 2012-10-17 or 2008-10-17.");
  const statements = Array.isArray(Statement) ? Statement : [Statement];
  if (statements.length === 0 || Statement === undefined) throw invalid("no Statement.");
  statements.forEach(checkStatement);
}

export type PolicyEffect = "allow" | "deny" | "undecided";

/** `*` and `?` wildcards, as IAM matches actions and resources. */
const globMatches = (pattern: string, text: string, caseInsensitive = false): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".")}$`,
    caseInsensitive ? "i" : "",
  ).test(text);

const asList = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : typeof value === "string" ? [value] : []);

/** A Principal names the caller: "*", its ARN, its account (id or root ARN). */
function principalMatches(principal: unknown, callerArn: string): boolean {
  if (principal === "*") return true;
  const account = /^arn:aws[^:]*:iam::(\d{12}):/.exec(callerArn)?.[1];
  const named = typeof principal === "object" && principal !== null ? asList((principal as Record<string, unknown>).AWS) : [];
  return named.some((p) => p === "*" || p === callerArn || p === account || p === `arn:aws:iam::${account}:root`);
}

/**
 * What a stored resource policy says of a request: "deny" if a Deny statement matches, else
 * "allow" if an Allow statement does, else "undecided" (the caller's own rights decide).
 * Statements with a Condition are not evaluated, so they match nothing (see the README).
 */
export function evaluatePolicy(policyText: string, callerArn: string, action: string, resource: string): PolicyEffect {
  const policy = JSON.parse(policyText) as { Statement: Statement | Statement[] };
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  const matching = statements.filter(
    (s) =>
      s.Condition === undefined &&
      principalMatches(s.Principal, callerArn) &&
      asList(s.Action).some((a) => globMatches(a, action, true)) &&
      asList(s.Resource).some((r) => globMatches(r, resource)),
  );
  if (matching.some((s) => s.Effect === "Deny")) return "deny";
  return matching.some((s) => s.Effect === "Allow") ? "allow" : "undecided";
}
