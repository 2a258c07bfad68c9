/**
 * Remembers what a pure function made of a string. Detectors read the same texts every
 * round (a condition message, an object's timestamps) until the object changes; parsing them
 * once instead of every 10 s is most of what a quiet round costs. Bounded: when full it
 * starts afresh, which costs one parse per text again and never holds stale results, since
 * the function is pure.
 */
export function memoText<T>(f: (text: string) => T, limit = 10_000): (text: string) => T {
  const known = new Map<string, T>();
  return (text) => {
    const hit = known.get(text);
    if (hit !== undefined || known.has(text)) return hit as T;
    if (known.size >= limit) known.clear();
    const value = f(text);
    known.set(text, value);
    return value;
  };
}
