/** Progress output shared by the CLI commands. */

/** One status line: rewritten in place on a terminal, printed every few seconds otherwise. */
export class ProgressLine {
  #lastPrint = 0;
  readonly #tty = process.stderr.isTTY === true;

  update(text: string, force = false): void {
    const now = Date.now();
    if (this.#tty) {
      process.stderr.write(`\r${text.padEnd(100).slice(0, Math.max(100, text.length))}`);
    } else if (force || now - this.#lastPrint > 5000) {
      process.stderr.write(`${text}\n`);
      this.#lastPrint = now;
    }
  }

  done(): void {
    if (this.#tty) process.stderr.write('\n');
  }
}

export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
