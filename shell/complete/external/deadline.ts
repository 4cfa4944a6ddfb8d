/** Waiting for something only until a deadline: what is late goes on, and fills its cache. */

export const LATE = Symbol('late');

/** `promise`, or LATE if it is not done by `deadline` (a `performance.now()` time). */
export function within<T>(promise: Promise<T>, deadline: number): Promise<T | typeof LATE> {
  const wait = deadline - performance.now();
  if (wait <= 0) return Promise.race([promise, Promise.resolve(LATE)]);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), wait);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
