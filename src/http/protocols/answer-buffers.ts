/**
 * The buffers JSON answers are written in, reused once their response is gone. Fresh memory is
 * what a large answer costs: on the 2-core bench machine every new page is a fault, and copying
 * a 14 MB GetRecords answer into a new buffer took more CPU than writing it. So a large answer
 * is sent straight from the buffer it was written in, and that buffer comes back here when the
 * response closes (releaseAnswer) for the next answer. A buffer whose answer is never released
 * (an answer not sent over HTTP) is simply left to the garbage collector.
 */
const FIRST_BYTES = 64 * 1024;
// Answers under this are copied out (cheap) and their buffer kept for the next one at once.
const LEASED_FROM_BYTES = 128 * 1024;
// What is kept between answers: a few buffers, together no more than one 10 MiB answer's text
// needs. Reads at once hold at most --read-memory-mib of records (32 MiB by default), so a few
// answers are large at a time; keeping three of 16 MiB each held 48 MiB of an idle server.
const KEPT_BUFFERS = 4;
const KEPT_BYTES = 16 * 1024 * 1024;

const free: Buffer[] = [];
let keptBytes = 0;
// The memory of each answer out on the wire, to the whole buffer it was cut from.
const leased = new WeakMap<ArrayBufferLike, Buffer>();

/** A buffer to write an answer in: a kept one, or a new one (its own memory, never Node's shared pool). */
export function takeBuffer(): Buffer {
  const kept = free.pop();
  if (!kept) return Buffer.allocUnsafeSlow(FIRST_BYTES);
  keptBytes -= kept.length;
  return kept;
}

/** A buffer at least `bytes` long holding the first `used` bytes of `buffer`, which is given up. */
export function grownBuffer(buffer: Buffer, used: number, bytes: number): Buffer {
  const larger = Buffer.allocUnsafeSlow(Math.max(2 * buffer.length, bytes));
  buffer.copy(larger, 0, 0, used);
  return larger;
}

/** The answer held in the first `used` bytes of `buffer`: a copy when small, else that very memory until releaseAnswer. */
export function answerOf(buffer: Buffer, used: number): Buffer {
  if (used < LEASED_FROM_BYTES) {
    const answer = Buffer.from(buffer.subarray(0, used));
    keep(buffer);
    return answer;
  }
  leased.set(buffer.buffer, buffer);
  return buffer.subarray(0, used);
}

/** Called when the response that carried `body` has closed: its buffer, if it was one of ours, is reused. */
export function releaseAnswer(body: Buffer): void {
  const whole = leased.get(body.buffer);
  if (!whole) return;
  leased.delete(body.buffer);
  keep(whole);
}

function keep(buffer: Buffer): void {
  if (free.length >= KEPT_BUFFERS || keptBytes + buffer.length > KEPT_BYTES) return;
  free.push(buffer);
  keptBytes += buffer.length;
}
