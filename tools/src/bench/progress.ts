/**
 * A one-line progress bar for a person at a terminal: drawn only when the output is a TTY,
 * redrawn in place, erased before anything else is printed.
 */
function renderBar(fraction: number, width: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${String(Math.floor(clamped * 100)).padStart(3)}%`;
}

export class Progress {
  private done = 0;
  private label = "";
  private stepStarted = 0;
  private stepSeconds = 1;
  private readonly timer: NodeJS.Timeout | undefined;

  /** `totalSeconds`: the expected length of all steps together. */
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly totalSeconds: number,
  ) {
    this.timer = out.isTTY ? setInterval(() => this.draw(), 250).unref() : undefined;
  }

  /** A step begins that should take about `seconds`. */
  step(label: string, seconds: number): void {
    this.finishStep();
    this.label = label;
    this.stepStarted = performance.now();
    this.stepSeconds = seconds;
    this.draw();
  }

  private finishStep(): void {
    if (this.label) this.done += this.stepSeconds;
    this.label = "";
  }

  private draw(): void {
    if (!this.timer) return;
    const inStep = this.label ? Math.min(this.stepSeconds, (performance.now() - this.stepStarted) / 1000) : 0;
    const line = `${renderBar((this.done + inStep) / this.totalSeconds, 30)}  ${this.label}`;
    this.out.write(`\r\x1b[K${line.slice(0, Math.max(20, (this.out.columns ?? 100) - 1))}`);
  }

  /** Erases the bar for good. */
  end(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.out.write("\r\x1b[K");
  }
}
