/**
 * The part of the Reflect metadata API (`Reflect.defineMetadata`, `getOwnMetadata`,
 * `getMetadata`, `hasMetadata`, `hasOwnMetadata`, `metadata`; the API of the reflect-metadata
 * package) that @peculiar/x509's dependency-injection library, tsyringe, requires at import and
 * that TypeScript's decorator helpers use when it is there. @peculiar/x509 asks its users to
 * load a polyfill first; these few lines are that polyfill, installed on the global `Reflect`
 * only when it lacks `getMetadata`, just before the certificate code imports the library.
 */

type Key = unknown;
type Prop = string | symbol | undefined;

/** Metadata by target object, then property (undefined: the target itself), then key. */
const store = new WeakMap<object, Map<Prop, Map<Key, unknown>>>();

function table(target: object, prop: Prop, create: boolean): Map<Key, unknown> | undefined {
  let byProp = store.get(target);
  if (byProp === undefined) {
    if (!create) return undefined;
    byProp = new Map();
    store.set(target, byProp);
  }
  let t = byProp.get(prop);
  if (t === undefined && create) {
    t = new Map();
    byProp.set(prop, t);
  }
  return t;
}

/** Installs the functions on `Reflect` unless a polyfill is already there. */
export function installReflectMetadata(): void {
  const R = Reflect as unknown as Record<string, unknown>;
  if (typeof R['getMetadata'] === 'function') return;
  const defineMetadata = (key: Key, value: unknown, target: object, prop?: Prop): void => {
    table(target, prop, true)!.set(key, value);
  };
  const hasOwnMetadata = (key: Key, target: object, prop?: Prop): boolean => table(target, prop, false)?.has(key) ?? false;
  const getOwnMetadata = (key: Key, target: object, prop?: Prop): unknown => table(target, prop, false)?.get(key);
  const hasMetadata = (key: Key, target: object, prop?: Prop): boolean => {
    for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
      if (hasOwnMetadata(key, o, prop)) return true;
    }
    return false;
  };
  const getMetadata = (key: Key, target: object, prop?: Prop): unknown => {
    for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
      if (hasOwnMetadata(key, o, prop)) return getOwnMetadata(key, o, prop);
    }
    return undefined;
  };
  const metadata = (key: Key, value: unknown) => (target: object, prop?: Prop): void => defineMetadata(key, value, target, prop);
  Object.assign(R, { defineMetadata, hasOwnMetadata, getOwnMetadata, hasMetadata, getMetadata, metadata });
}
