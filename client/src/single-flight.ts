/**
 * Runs one operation at a time per instance: callers that arrive while it
 * runs get the same promise (so ten concurrent requests cause one refresh).
 */
export function singleFlight<T>(operation: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= operation().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
