import type { RequestContext } from "../context.js";
import type { OperationName } from "../generated/model.js";
import { streamArnOf, streamNameOf } from "../resources/stream-ref.js";

/** What a request does, in IAM's terms: the action, the resource, and the stream it touches. */
export interface AccessTarget {
  /** `kinesis:<Operation>`. */
  readonly action: string;
  /** The ARN IAM would evaluate: the stream's, the consumer's, or the account's streams. */
  readonly resource: string;
  /** The stream the request touches; undefined for account-wide operations. */
  readonly streamName?: string;
  /** Whether the operation only reads (Describe*, List*, Get*, SubscribeToShard). */
  readonly readOnly: boolean;
}

const READ_ONLY = /^(Describe|List|Get)|^SubscribeToShard$/;
const CONSUMER_ARN = /^(arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream\/[^/]+)\/consumer\/.+$/;

interface ResourceFields {
  readonly StreamName?: string;
  readonly StreamARN?: string;
  readonly ConsumerARN?: string;
  readonly ResourceARN?: string;
  readonly ShardIterator?: string;
  readonly NextToken?: string;
}

/** The stream named by an ARN of ours (stream or consumer), or undefined. */
function streamOfArn(arn: string, ctx: RequestContext): string | undefined {
  const streamArn = CONSUMER_ARN.exec(arn)?.[1] ?? arn;
  try {
    return streamNameOf({ StreamARN: streamArn }, ctx.settings);
  } catch {
    return undefined;
  }
}

/**
 * The access target of a decoded, validated request. A reference the operation itself would
 * refuse (a malformed ARN, a forged iterator) yields the account-wide resource, so the
 * operation still answers with its own error when the caller may call it at all.
 */
export function accessTargetOf(operation: OperationName, input: ResourceFields, ctx: RequestContext): AccessTarget {
  const base = { action: `kinesis:${operation}`, readOnly: READ_ONLY.test(operation) };
  const accountWide = { ...base, resource: `arn:aws:kinesis:${ctx.settings.region}:${ctx.settings.accountId}:stream/*` };
  const arn = input.ConsumerARN ?? input.ResourceARN;
  if (arn !== undefined) {
    const streamName = streamOfArn(arn, ctx);
    return streamName === undefined ? accountWide : { ...base, resource: arn, streamName };
  }
  if (input.ShardIterator !== undefined) {
    const iterator = ctx.iterators.decode(input.ShardIterator.replace(/^"(.*)"$/, "$1"));
    return iterator ? { ...base, resource: streamArnOf(ctx.settings, iterator.streamName), streamName: iterator.streamName } : accountWide;
  }
  if (input.StreamName !== undefined || input.StreamARN !== undefined) {
    let streamName: string;
    try {
      streamName = streamNameOf(input, ctx.settings);
    } catch {
      return accountWide;
    }
    return { ...base, resource: streamArnOf(ctx.settings, streamName), streamName };
  }
  // A NextToken names its stream as surely as a StreamName does (ListShards takes it alone).
  const tokenStream = input.NextToken === undefined ? undefined : ctx.pageTokens.streamOf(input.NextToken);
  if (tokenStream !== undefined) return { ...base, resource: streamArnOf(ctx.settings, tokenStream), streamName: tokenStream };
  return accountWide;
}
