import type { RequestContext } from "../context.js";
import { InvalidArgumentException } from "../errors.js";
import type { Tag } from "../generated/model.js";
import { tooManyTags } from "../messages.js";

/** Tags a stream (or any resource) may carry. */
export const MAX_TAGS = 50;

// Unicode letters, digits, white space and _ . / = + - % @ (and ':' in keys such as "team:a").
const ALLOWED = /^[\p{L}\p{N}\p{Z}_.:/=+\-%@]*$/u;

/** Refuses any text outside the tag characters, keys and values alike, as AddTagsToStream and RemoveTagsFromStream do. */
export function checkTagCharacters(texts: Iterable<string>): void {
  for (const text of texts) {
    if (!ALLOWED.test(text)) {
      throw new InvalidArgumentException("Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.");
    }
  }
}

/** The tags after adding `added` to `current`, refused as the service refuses. */
export function mergedTags(
  ctx: RequestContext,
  /** How the error names the resource: "stream x" or "consumer y". */
  label: string,
  current: Readonly<Record<string, string>>,
  added: Readonly<Record<string, string>>,
): Record<string, string> {
  checkTagCharacters([...Object.keys(added), ...Object.values(added)]);
  if (Object.keys(added).some((key) => key.toLowerCase().startsWith("aws:"))) {
    throw new InvalidArgumentException("Tag keys starting with aws: are reserved for use by AWS.");
  }
  const merged = { ...current, ...added };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw tooManyTags(ctx.settings, label, MAX_TAGS);
  }
  return merged;
}

export function withoutTags(current: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(current).filter(([key]) => !keys.includes(key)));
}

/** Tags as the API lists them: sorted by key. */
export function tagList(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key]! }));
}
