import type { MaybePromise } from '../brokers/broker.js';

/**
 * Continue with `next` now when `value` is already there, later when it is a promise. The session runs every
 * frame through hooks that may be async (authentication, authorization, handlers, brokers); keeping the
 * synchronous path free of promises keeps the common case (the memory broker, no async hooks) fast and its
 * ordering obvious.
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Run steps one after another, each starting when the previous one finished. */
export function sequence<T>(
  items: readonly T[],
  step: (item: T) => MaybePromise<void>,
  from = 0,
): MaybePromise<void> {
  for (let i = from; i < items.length; i++) {
    const result = step(items[i] as T);
    if (result instanceof Promise) return result.then(() => sequence(items, step, i + 1));
  }
  return undefined;
}
