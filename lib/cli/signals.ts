/** Ctrl-C and SIGTERM for the commands that stop gracefully. */

/**
 * Calls `first` on the first SIGINT or SIGTERM (the command winds down: keeps what is done,
 * finishes what is in hand); a second one exits at once with status 130. Returns the
 * function that removes the handlers.
 */
export function onStopSignals(first: () => void): () => void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    first();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}
