/** kinesalite ships no types: the part of its API the tests use. */
declare module "kinesalite" {
  import type { Server } from "node:http";
  interface KinesaliteOptions {
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
  }
  export default function kinesalite(options?: KinesaliteOptions): Server;
}
