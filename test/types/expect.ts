// Exact type equality, stricter than assignability: `Equal<string, 'a'>` is false.
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

/** Compiles only when `T` is `true`; use with {@link Equal}. */
export function expectTrue<T extends true> (): T | undefined {
  return undefined
}
