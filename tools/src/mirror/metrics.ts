import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RateMeter, Traffic } from "./traffic.js";

const label = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** The mirror's figures in Prometheus's text format (version 0.0.4). */
export function prometheusText(traffic: Traffic, rates: RateMeter, stream: string): string {
  const s = `stream="${label(stream)}"`;
  const lines = [
    "# HELP kinesis_nats_mirror_records_total Records copied from the source stream.",
    "# TYPE kinesis_nats_mirror_records_total counter",
    `kinesis_nats_mirror_records_total{${s}} ${traffic.records}`,
    "# HELP kinesis_nats_mirror_bytes_total Bytes of record data copied from the source stream.",
    "# TYPE kinesis_nats_mirror_bytes_total counter",
    `kinesis_nats_mirror_bytes_total{${s}} ${traffic.bytes}`,
    "# HELP kinesis_nats_mirror_throttled_total Calls the source or the target throttled.",
    "# TYPE kinesis_nats_mirror_throttled_total counter",
    `kinesis_nats_mirror_throttled_total{${s}} ${traffic.throttled}`,
    "# HELP kinesis_nats_mirror_records_per_second Records copied per second over the last progress interval.",
    "# TYPE kinesis_nats_mirror_records_per_second gauge",
    `kinesis_nats_mirror_records_per_second{${s}} ${rates.recordsPerSecond}`,
    "# HELP kinesis_nats_mirror_bytes_per_second Bytes copied per second over the last progress interval.",
    "# TYPE kinesis_nats_mirror_bytes_per_second gauge",
    `kinesis_nats_mirror_bytes_per_second{${s}} ${rates.bytesPerSecond}`,
    "# HELP kinesis_nats_mirror_millis_behind_latest MillisBehindLatest of the last read of each source shard being copied.",
    "# TYPE kinesis_nats_mirror_millis_behind_latest gauge",
    ...[...traffic.millisBehind].map(([shard, ms]) => `kinesis_nats_mirror_millis_behind_latest{${s},shard="${label(shard)}"} ${ms}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Serves /metrics on loopback; the port it listens on (0 picks a free one). */
export async function serveMetrics(port: number, text: () => string): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url?.split("?")[0] === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(text());
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
