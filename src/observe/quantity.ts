/**
 * Kubernetes resource quantities (`250m`, `4991296Ki`, `2Gi`, `1500000n`, `1e3`) as plain
 * numbers: cores for CPU, bytes for memory (AM:pkg/api/resource/quantity.go suffixes:
 * binary Ki Mi Gi Ti Pi Ei, decimal n u m k M G T P E, and exponents).
 */

const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity's value, or undefined when it is not one. */
export function parseQuantity(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$/.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const n = Number(m[1]);
  const s = m[2] ?? '';
  if (/^[eE]/.test(s)) return n * 10 ** Number(s.slice(1));
  return n * (suffixes[s] ?? 1);
}
