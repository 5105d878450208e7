import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { ensureDebianBinary, type DebianBinary } from "../system/debian-package.js";

/** The PEM files of a TLS listener, read. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Where the certificate came from: what clients must trust. */
  readonly certPath: string;
}

const OPENSSL: DebianBinary = { command: "openssl", packageName: "openssl", candidates: ["/usr/bin/openssl"] };
const VALID_DAYS = 825;

export function readTlsCredentials(certPath: string, keyPath: string): TlsCredentials {
  return { cert: readFileSync(certPath), key: readFileSync(keyPath), certPath: resolve(certPath) };
}

/**
 * A self-signed certificate for localhost (and 127.0.0.1, ::1) under `<dataDir>/tls`, made
 * once with Debian's openssl and reused at every start, so a client that trusts it once keeps
 * trusting it. An EC P-256 key: every client here (Java, OpenSSL, Node, the KPL) takes it.
 */
export function selfSignedCredentials(dataDir: string, log: Logger, installMissing = true): TlsCredentials {
  const dir = resolve(dataDir, "tls");
  const certPath = join(dir, "localhost-cert.pem");
  const keyPath = join(dir, "localhost-key.pem");
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const openssl = ensureDebianBinary(OPENSSL, { installMissing, log, alternative: " (or give --tls-cert and --tls-key)" });
    // Written beside the final names and renamed, so a crash never leaves half a pair.
    execFileSync(
      openssl,
      [
        "req",
        "-x509",
        "-nodes",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-keyout",
        `${keyPath}.new`,
        "-out",
        `${certPath}.new`,
        "-days",
        String(VALID_DAYS),
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,digitalSignature,keyCertSign",
        "-addext",
        "extendedKeyUsage=serverAuth",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    renameSync(`${keyPath}.new`, keyPath);
    renameSync(`${certPath}.new`, certPath);
    log.info({ cert: certPath }, "generated a self-signed TLS certificate for localhost");
  }
  return readTlsCredentials(certPath, keyPath);
}
