/**
 * Compile-time checks that a zod schema's output and its hand-written interface agree
 * (STYLE.md: "keep a compile-time check that schema and interface agree"). Type-only.
 *
 * ```ts
 * import type { Assert, Equals, Plain } from "./_type_check.ts";
 * type _Ok = Assert<Equals<Plain<{ readonly a: number }>, { a: number }>>;
 * ```
 *
 * @module
 */

/** Removes `readonly` everywhere, so the check compares shapes, not modifiers. */
export type Plain<T> = T extends (...args: never[]) => unknown ? T
  : T extends readonly (infer E)[] ? Plain<E>[]
  : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> }
  : T;

/** True only when A and B are the same type. */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2)
  ? true
  : false;

/** Compiles only when given `true`. */
export type Assert<T extends true> = T;
