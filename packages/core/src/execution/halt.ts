/*
 * How a step of an execution that is halting stops: it never settles, so the body is left suspended and
 * garbage-collected. Step code throws HALT to unwind to the step's tracking, which turns it into `never()`.
 */

/** Thrown inside step code to unwind a step that must not finish because the execution is halting. */
export const HALT = Symbol('steadfast:halt');

/** A step of a halted execution never settles. */
export const never = <T>(): Promise<T> => new Promise<T>(() => {});
