import type { AddressInfo } from "node:net";
import kinesalite from "kinesalite";

/** kinesalite in this process, in memory, on a free loopback port; HTTP/1.1 only. */
export async function startKinesalite(): Promise<{ url: string; close(): Promise<void> }> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
