import { badValue } from '../outcome.js';

/**
 * Value syntax shared by every parameter kind (R4 search.html §3.1.1.1 and §3.1.1.4): commas mean
 * OR, and `\,` `\|` `\$` `\\` escape the separators.
 */
export function splitOr(value: string): string[] {
  return splitEscaped(value, ',');
}

/** Splits on unescaped `separator` and removes the escapes from each part. */
export function splitEscaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (char === '\\' && i + 1 < value.length) {
      current += value[i + 1];
      i++;
      continue;
    }
    if (char === separator) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** Splits the comparison prefix off an ordered value (date, number, quantity). */
export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const match = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(.*)$/.exec(value);
  if (match) return { prefix: match[1] as Prefix, rest: match[2] as string };
  return { prefix: 'eq', rest: value };
}

const NUMBER = /^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/;

/** A search number and the range its written precision implies (R4 search.html §3.1.1.4.2). */
export function parseNumber(
  text: string,
  name: string,
): { value: number; low: number; high: number } {
  if (!NUMBER.test(text)) throw badValue(`${name}: not a number`);
  const value = Number(text);
  const mantissa = text.split(/[eE]/)[0] as string;
  const exponent = Number(text.split(/[eE]/)[1] ?? 0);
  const decimals = mantissa.includes('.') ? (mantissa.split('.')[1] as string).length : 0;
  const half = 0.5 * 10 ** (exponent - decimals);
  return { value, low: value - half, high: value + half };
}
