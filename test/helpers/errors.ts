/**
 * Errors made by the native addon belong to Node's main realm, while jest runs each test
 * file in a realm of its own, so `instanceof RangeError` (and `toThrow(RangeError)`)
 * fails across the two. These helpers check the error's name and message instead.
 */
export function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw, and it returned');
}

export async function rejected(promise: () => Promise<unknown>): Promise<Error> {
  try {
    await promise();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject, and it resolved');
}

export function expectError(error: Error, name: string, message: RegExp): void {
  expect({ name: error.name, message: error.message }).toEqual({
    name,
    message: expect.stringMatching(message),
  });
}
