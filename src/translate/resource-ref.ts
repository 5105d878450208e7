import type { RequestContext } from "./context.js";
import { InvalidArgumentException, ResourceNotFoundException } from "./errors.js";
import { findStream, streamNameOf } from "./stream-ref.js";

/** The stream a ResourceARN of the tag and policy operations names, which must exist. */
export async function streamOfResource(ctx: RequestContext, resourceArn: string): Promise<string> {
  if (/:stream\/[^/]+\/consumer\//.test(resourceArn)) {
    throw new ResourceNotFoundException(`Consumer ${resourceArn} under account ${ctx.settings.accountId} not found.`);
  }
  if (!/:stream\/[^/]+$/.test(resourceArn)) throw new InvalidArgumentException(`Invalid ResourceARN ${resourceArn}.`);
  const name = streamNameOf({ StreamARN: resourceArn }, ctx.settings);
  await findStream(ctx, name);
  return name;
}
