/** Progress output shared by the CLI commands. */

/** One status line: rewritten in place on a terminal, printed every few seconds otherwise. */
export class ProgressLine {
  // Starts now, so that a short run into a log file prints no progress at all, only results.
  #lastPrint = Date.now();
  readonly #tty = process.stderr.isTTY === true;
  readonly #quiet: boolean;

  /** `quiet`: print nothing (the commands' --quiet). */
  constructor(quiet = false) {
    this.#quiet = quiet;
  }

  update(text: string, force = false): void {
    if (this.#quiet) return;
    const now = Date.now();
    if (this.#tty) {
      process.stderr.write(`\r${text.padEnd(100).slice(0, Math.max(100, text.length))}`);
    } else if (force || now - this.#lastPrint > 5000) {
      process.stderr.write(`${text}\n`);
      this.#lastPrint = now;
    }
  }

  done(): void {
    if (this.#tty && !this.#quiet) process.stderr.write('\n');
  }
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** "ETA 42 s" / "ETA 3 min 5 s": the time left if the rest goes as fast as `fraction` did in `elapsedSeconds`. */
export function eta(elapsedSeconds: number, fraction: number): string {
  if (!(fraction > 0)) return 'ETA -';
  return etaText(elapsedSeconds / Math.min(1, fraction) - elapsedSeconds);
}

/** "ETA 42 s" / "ETA 3 min 5 s" / "ETA 2 h 3 min" for `seconds` left; "ETA -" when not known (null). */
export function etaText(seconds: number | null): string {
  if (seconds === null) return 'ETA -';
  const left = Math.max(0, Math.round(seconds));
  if (left < 60) return `ETA ${left} s`;
  if (left < 3600) return `ETA ${Math.floor(left / 60)} min ${left % 60} s`;
  return `ETA ${Math.floor(left / 3600)} h ${Math.floor((left % 3600) / 60)} min`;
}
