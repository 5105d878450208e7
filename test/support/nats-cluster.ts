import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import type { RunningServer } from "../../src/server.js";
import { ensureNatsServerBinary } from "../../src/system/embedded-nats.js";
import { startTestServer } from "./server.js";

/** A free loopback port (bound and released: good enough for tests on one machine). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface NatsNode {
  readonly name: string;
  readonly clientPort: number;
  readonly configFile: string;
  process?: ChildProcess;
}

/**
 * The configuration of one node of the test cluster; the README's "Running on a NATS cluster"
 * shows this same configuration.
 */
export function clusterNodeConfig(
  name: string,
  clientPort: number,
  clusterPort: number,
  routePorts: number[],
  storeDir: string,
  clusterName = "kinesis-test",
): string {
  return [
    `server_name: ${name}`,
    `listen: 127.0.0.1:${clientPort}`,
    "max_payload: 8MB",
    "max_pending: 64MB",
    `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
    "cluster {",
    `  name: ${clusterName}`,
    `  listen: 127.0.0.1:${clusterPort}`,
    `  routes: [${routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(", ")}]`,
    "}",
    "",
  ].join("\n");
}

/** A JetStream cluster of nats-server processes on loopback, for tests that kill nodes. */
export class NatsCluster {
  private constructor(
    private readonly nodes: NatsNode[],
    private readonly home: string,
  ) {}

  /**
   * `binary`: a nats-server to run instead of the machine's (natsServer210() finds a 2.10+ one).
   * Resolves once a stream with `size` replicas can be placed, that is once every node has
   * joined; a cluster that does not form (a port another test took between our choice and
   * nats-server's bind) is started again on new ports.
   */
  static async start(size = 3, binary = ensureNatsServerBinary()): Promise<NatsCluster> {
    for (let attempt = 1; ; attempt++) {
      const cluster = await NatsCluster.launchOnce(size, binary);
      try {
        await cluster.waitForJetStream();
        await cluster.waitForPeers(size);
        return cluster;
      } catch (error) {
        await cluster.stop();
        if (attempt === 3) throw error;
      }
    }
  }

  private static async launchOnce(size: number, binary: string): Promise<NatsCluster> {
    const home = mkdtempSync(join(tmpdir(), "kinesis-cluster-"));
    // A name of its own: nodes of two clusters that tests run at once never join each other.
    const clusterName = `kinesis-test-${randomBytes(4).toString("hex")}`;
    const clientPorts = await Promise.all(Array.from({ length: size }, freePort));
    const clusterPorts = await Promise.all(Array.from({ length: size }, freePort));
    const nodes = clientPorts.map((clientPort, i): NatsNode => {
      const name = `n${i + 1}`;
      const storeDir = join(home, name);
      mkdirSync(storeDir, { recursive: true });
      const configFile = join(home, `${name}.conf`);
      writeFileSync(configFile, clusterNodeConfig(name, clientPort, clusterPorts[i]!, clusterPorts, storeDir, clusterName));
      return { name, clientPort, configFile };
    });
    const cluster = new NatsCluster(nodes, home);
    cluster.binary = binary;
    for (const node of nodes) cluster.launch(node);
    return cluster;
  }

  private binary = "nats-server";

  /** Client URLs of every node, comma-separated, as --nats-url takes them. */
  get url(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`).join(",");
  }

  /** The server name of a JetStream stream's current leader. */
  async leaderOf(stream: string): Promise<string> {
    const nc = await connect({ servers: this.url.split(",") });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(stream);
      if (!info.cluster?.leader) throw new Error(`stream ${stream} has no leader`);
      return info.cluster.leader;
    } finally {
      await nc.close();
    }
  }

  /** kill -9 of one node. */
  kill(name: string): void {
    this.node(name).process?.kill("SIGKILL");
  }

  /** Starts a killed node again on its port and store. */
  async restart(name: string): Promise<void> {
    this.launch(this.node(name));
    await this.waitForJetStream();
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        const child = node.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }),
    );
    rmSync(this.home, { recursive: true, force: true });
  }

  private node(name: string): NatsNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  private launch(node: NatsNode): void {
    node.process = spawn(this.binary, ["-c", node.configFile], { stdio: "ignore" });
  }

  /** Resolves once a probe stream of `size` replicas is placed (every node has joined), then deletes it. */
  private async waitForPeers(size: number, timeoutMs = 20_000): Promise<void> {
    const nc = await connect({ servers: this.url.split(","), timeout: 1000 });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2000 });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await jsm.streams.add({ name: "cluster-probe", subjects: ["cluster-probe"], num_replicas: size, storage: StorageType.Memory });
          await jsm.streams.delete("cluster-probe");
          return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`the cluster has not placed a stream of ${size} replicas: ${String(error)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await nc.close();
    }
  }

  /** Resolves once the cluster has a JetStream meta leader and answers API calls. */
  private async waitForJetStream(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const nc = await connect({ servers: this.url.split(","), timeout: 1000 });
        try {
          await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
          return;
        } finally {
          await nc.close();
        }
      } catch (error) {
        last = error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`JetStream cluster not ready: ${String(last)}`);
  }
}

/** A 3-node cluster of `binary` and two server instances on it sharing one namespace (R3, file storage). */
export async function startInstancesOnCluster(binary: string, namespace: string): Promise<{ cluster: NatsCluster; servers: RunningServer[] }> {
  const cluster = await NatsCluster.start(3, binary);
  const settings = { natsUrl: cluster.url, namespace, replicas: 3, memory: false, natsTimeoutMs: 2000 };
  return { cluster, servers: await Promise.all([startTestServer(settings), startTestServer(settings)]) };
}
