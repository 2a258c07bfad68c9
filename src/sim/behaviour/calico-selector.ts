/**
 * Calico's selector language, as BGPPeer `nodeSelector`/`peerSelector` and other Calico
 * resources write it (not Kubernetes label-selector syntax): `all()`, `has(k)`, `k == 'v'`,
 * `k != 'v'`, `k in {'a', 'b'}`, `k not in {...}`, `!`, `&&`, `||` and parentheses
 * (docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors). A Reddit-style
 * route-reflector peering reads `peerSelector: has(node-role.kubernetes.io/master)`.
 */

export interface CalicoSelector {
  matches(labels: Readonly<Record<string, string>>): boolean;
  readonly text: string;
}

type Expr = (labels: Readonly<Record<string, string>>) => boolean;

const labelKey = /^[A-Za-z0-9][-A-Za-z0-9_./]*/;

/** Parses a Calico selector; throws an Error naming the position of what it could not read. */
export function parseCalicoSelector(text: string): CalicoSelector {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at position ${i} of selector "${text}"`);
  };
  const eat = (token: string): boolean => {
    ws();
    if (text.startsWith(token, i)) {
      i += token.length;
      return true;
    }
    return false;
  };
  const key = (): string => {
    ws();
    const m = labelKey.exec(text.slice(i));
    if (!m) return fail('expected a label key');
    i += m[0].length;
    return m[0];
  };
  const quoted = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') return fail('expected a quoted value');
    const end = text.indexOf(q, i + 1);
    if (end < 0) return fail('unterminated string');
    const v = text.slice(i + 1, end);
    i = end + 1;
    return v;
  };
  const set = (): Set<string> => {
    if (!eat('{')) fail('expected {');
    const values = new Set<string>();
    if (eat('}')) return values;
    do values.add(quoted());
    while (eat(','));
    if (!eat('}')) fail('expected }');
    return values;
  };
  const primary = (): Expr => {
    if (eat('!')) {
      const inner = primary();
      return (l) => !inner(l);
    }
    if (eat('(')) {
      const inner = or();
      if (!eat(')')) fail('expected )');
      return inner;
    }
    if (eat('all()')) return () => true;
    if (eat('global()')) return () => true;
    if (eat('has(')) {
      const k = key();
      if (!eat(')')) fail('expected )');
      return (l) => k in l;
    }
    const k = key();
    if (eat('==')) {
      const v = quoted();
      return (l) => l[k] === v;
    }
    if (eat('!=')) {
      const v = quoted();
      return (l) => l[k] !== v;
    }
    if (eat('not in')) {
      const s = set();
      return (l) => !(k in l) || !s.has(l[k]);
    }
    if (eat('in')) {
      const s = set();
      return (l) => k in l && s.has(l[k]);
    }
    return fail(`expected ==, !=, in or not in after "${k}"`);
  };
  const and = (): Expr => {
    const parts = [primary()];
    while (eat('&&')) parts.push(primary());
    return parts.length === 1 ? parts[0] : (l) => parts.every((p) => p(l));
  };
  const or = (): Expr => {
    const parts = [and()];
    while (eat('||')) parts.push(and());
    return parts.length === 1 ? parts[0] : (l) => parts.some((p) => p(l));
  };
  ws();
  // An empty selector selects nothing in BGPPeer terms; "all()" is how Calico says every node.
  if (i === text.length) return { text, matches: () => false };
  const expr = or();
  ws();
  if (i !== text.length) fail('unexpected text');
  return { text, matches: expr };
}
