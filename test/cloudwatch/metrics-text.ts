import type { RunningServer } from "../../src/server.js";

/** The /metrics lines of one family (`cloudwatch_metric_last`, `cloudwatch_metric_count`...) whose labels include all of `labels`. */
export async function scrape(
  server: RunningServer,
  name: string,
  labels: Record<string, string> = {},
  key?: { accessKeyId: string; secretAccessKey: string },
): Promise<{ labels: string; value: number }[]> {
  // With access keys configured, /metrics takes one as Basic credentials.
  const headers: Record<string, string> = key ? { authorization: `Basic ${Buffer.from(`${key.accessKeyId}:${key.secretAccessKey}`).toString("base64")}` } : {};
  const text = await (await fetch(`${server.url}/metrics`, { headers })).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const at = line.lastIndexOf(" ");
      return { labels: line.slice(name.length, at), value: Number(line.slice(at + 1)) };
    })
    .filter((sample) => wanted.every((pair) => sample.labels.includes(pair)));
}
