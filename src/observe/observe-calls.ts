import { isAppError } from '../errors/index.js';
import type { CallKind, Observer } from './observer.js';

/**
 * `target` with every method call observed as a call of `kind` named after the method (`get`, and for
 * an object it holds, such as a repository of the Database, `images.get`): timed, counted by outcome,
 * a span of the current call. One decorator over the Database and the BlobStore interfaces instead of a
 * line in every repository and store; a method added to them later is observed without a change here.
 * A promise is observed until it settles; any other result (an async iterable, a value) when returned.
 */
export function observeCalls<T extends object>(target: T, kind: CallKind, observer: Observer, prefix = ''): T {
  const members = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof property === 'symbol' || property === 'then') return value;
      if (members.has(property)) return members.get(property);
      let member = value;
      if (typeof value === 'function') member = observed(value as (...args: unknown[]) => unknown, object, kind, `${prefix}${property}`, observer);
      else if (typeof value === 'object' && value !== null) member = observeCalls(value, kind, observer, `${prefix}${property}.`);
      members.set(property, member);
      return member;
    },
  });
}

function observed(method: (...args: unknown[]) => unknown, self: object, kind: CallKind, name: string, observer: Observer) {
  return (...args: unknown[]): unknown => {
    const call = observer.start(kind, name);
    let result: unknown;
    try {
      // `self`, not the proxy: class methods reach private fields through `this`.
      result = call.within(() => method.apply(self, args));
    } catch (error) {
      call.end(outcomeOf(error));
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          call.end('ok');
          return value;
        },
        (error: unknown) => {
          call.end(outcomeOf(error));
          throw error;
        },
      );
    }
    call.end('ok');
    return result;
  };
}

/** The error's kind in the catalogue (stores report theirs as AppErrors), else `error`. */
function outcomeOf(error: unknown): string {
  return isAppError(error) ? error.kind : 'error';
}
