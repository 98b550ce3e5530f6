/**
 * Stripe's form encoding: `created[gte]=1`, `expand[0]=data.product`, `expand[]=x`,
 * `items[0][quantity]=5`. Parsed into nested objects and arrays, for query strings and form bodies.
 */

export type ParamValue = string | ParamValue[] | { [key: string]: ParamValue };
export type Params = Record<string, ParamValue>;

export class ParamError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/**
 * Parse `a=1&b[c]=2&d[0]=x&d[1]=y` into `{a:'1', b:{c:'2'}, d:['x','y']}`.
 *
 * @example
 * parseStripeParams('created[gte]=100&expand[0]=data.product'); // { created: { gte: '100' }, expand: ['data.product'] }
 */
export function parseStripeParams(encoded: string): Params {
  const root: Params = {};
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const parts = keyParts(rawKey);
    let node: Record<string, ParamValue> | ParamValue[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      const nextIsIndex = !last && (parts[i + 1] === '' || /^\d+$/.test(parts[i + 1]!));
      if (Array.isArray(node)) {
        const index = part === '' ? node.length : Number(part);
        if (last) node[index] = value;
        else {
          node[index] ??= nextIsIndex ? [] : {};
          node = node[index] as Record<string, ParamValue> | ParamValue[];
        }
      } else if (last) {
        node[part] = value;
      } else {
        const existing = node[part];
        if (existing === undefined || typeof existing === 'string') node[part] = nextIsIndex ? [] : {};
        node = node[part] as Record<string, ParamValue> | ParamValue[];
      }
    }
  }
  return root;
}

function keyParts(key: string): string[] {
  const first = key.indexOf('[');
  if (first < 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  for (let m = re.exec(key); m; m = re.exec(key)) parts.push(m[1]!);
  return parts;
}

/** A string parameter, or undefined. */
export function str(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ParamError(`Invalid ${name}: must be a string`, name);
  return v;
}

/** A list parameter given as `x[0]=a&x[1]=b`, `x[]=a` or `x=a`. */
export function list(params: Params, name: string): string[] {
  const v = params[name];
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  throw new ParamError(`Invalid array for ${name}`, name);
}

/** An integer parameter within [min, max]. */
export function int(params: Params, name: string, fallback: number, min: number, max: number): number {
  const v = str(params, name);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new ParamError(`Invalid integer: ${v}`, name);
  const n = Number(v);
  if (n < min || n > max) throw new ParamError(`Invalid ${name}: must be between ${min} and ${max}`, name);
  return n;
}

/** A `created`-style range: `created=123` or `created[gte]=…&created[lt]=…`. */
export function range(params: Params, name: string): ((t: number) => boolean) | null {
  const v = params[name];
  if (v === undefined) return null;
  const asInt = (x: ParamValue | undefined, key: string): number | undefined => {
    if (x === undefined) return undefined;
    if (typeof x !== 'string' || !/^\d+$/.test(x))
      throw new ParamError(`Invalid integer: ${String(x)}`, `${name}[${key}]`);
    return Number(x);
  };
  if (typeof v === 'string') {
    const exact = asInt(v, 'eq')!;
    return (t) => t === exact;
  }
  if (Array.isArray(v)) throw new ParamError(`Invalid ${name}: use ${name}[gte] and friends`, name);
  for (const key of Object.keys(v)) {
    if (!['gt', 'gte', 'lt', 'lte'].includes(key))
      throw new ParamError(`Received unknown parameter: ${name}[${key}]`, `${name}[${key}]`);
  }
  const gt = asInt(v.gt, 'gt');
  const gte = asInt(v.gte, 'gte');
  const lt = asInt(v.lt, 'lt');
  const lte = asInt(v.lte, 'lte');
  return (t) =>
    (gt === undefined || t > gt) &&
    (gte === undefined || t >= gte) &&
    (lt === undefined || t < lt) &&
    (lte === undefined || t <= lte);
}
