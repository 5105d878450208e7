import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored record that cannot be decrypted: the master key is not the one it was written under. */
export class RecordDecryptionError extends Error {}

/**
 * Encryption at rest for streams under a KMS key: AES-256-GCM, with a data key per KeyId derived
 * by HKDF-SHA256 from the master key. A stored payload is a version byte, the 12-byte IV, the
 * ciphertext and the 16-byte tag; the KeyId travels in a header so that records written before a
 * key change (or before StopStreamEncryption) stay readable.
 */
export class RecordCipher {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly masterKey: Uint8Array) {}

  encrypt(keyId: string, data: Uint8Array): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.keyFor(keyId), iv);
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT_VERSION), iv, ciphertext, cipher.getAuthTag()]);
  }

  decrypt(keyId: string, payload: Uint8Array): Buffer {
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT_VERSION) throw new RecordDecryptionError("not an encrypted record");
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.keyFor(keyId), iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new RecordDecryptionError(`record encrypted under KeyId ${keyId} does not decrypt with this master key`);
    }
  }

  private keyFor(keyId: string): Buffer {
    let key = this.keys.get(keyId);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", this.masterKey, Buffer.alloc(0), `kinesis-nats record key\0${keyId}`, 32));
      this.keys.set(keyId, key);
    }
    return key;
  }
}
