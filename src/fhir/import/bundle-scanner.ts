import { ImportError } from './errors.js';

/** What the scanner finds in a Bundle: a top-level member, or one element of `entry`. */
export type BundlePart =
  | { kind: 'member'; key: string; value: unknown }
  | { kind: 'entry'; index: number; value: unknown };

const enum Mode {
  /** Before the opening `{` of the Bundle. */
  Start,
  /** Inside the Bundle, expecting a key (or `}`). */
  Key,
  /** After a key, expecting `:`. */
  Colon,
  /** Expecting a member's value. */
  Value,
  /** Copying a member value until it ends. */
  MemberValue,
  /** Inside `entry: [`, expecting an element (or `]`). */
  Element,
  /** Copying one entry element until it ends. */
  ElementValue,
  /** After a member value or an element, expecting `,` or the closing bracket. */
  AfterValue,
  AfterElement,
  End,
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Splits a Bundle's JSON text into its members and its `entry` elements as the text streams in,
 * so a file of any size is held one entry at a time. Structure outside the entries is checked
 * here; each entry's own text is checked by `JSON.parse`.
 */
export async function* scanBundle(chunks: AsyncIterable<string>): AsyncGenerator<BundlePart> {
  let mode: Mode = Mode.Start;
  let key = '';
  let buffer = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let index = 0;
  let keyText = '';
  /** JSON allows no trailing comma: after one, a key or an element must follow. */
  let afterComma = false;

  const fail = (what: string): never => {
    throw new ImportError(`not a JSON Bundle: ${what}`);
  };
  const parse = (text: string, where: string): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      return fail(`${where} is not valid JSON (${(error as Error).message})`);
    }
  };

  for await (const chunk of chunks) {
    const parts: BundlePart[] = [];
    // A value cut by the chunk boundary continues from the chunk's first character.
    let copyFrom = mode === Mode.MemberValue || mode === Mode.ElementValue ? 0 : -1;
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk.charCodeAt(i);
      if (mode === Mode.MemberValue || mode === Mode.ElementValue) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth += 1;
        else if (c === 0x7d || c === 0x5d) depth -= 1;
        const closedByThis = depth === 0 && (c === 0x7d || c === 0x5d);
        const endsScalar = depth === 0 && mode === Mode.MemberValue && (c === 0x2c || depth < 0);
        if (depth < 0 || endsScalar || closedByThis) {
          // A scalar member ends at the `,` or `}` after it; a container at its closing bracket.
          const end = closedByThis ? i + 1 : i;
          buffer += chunk.slice(copyFrom, end);
          copyFrom = -1;
          if (mode === Mode.ElementValue) {
            parts.push({ kind: 'entry', index, value: parse(buffer, `entry ${index}`) });
            index += 1;
            mode = Mode.AfterElement;
          } else {
            parts.push({ kind: 'member', key, value: parse(buffer, `member "${key}"`) });
            mode = Mode.AfterValue;
          }
          buffer = '';
          depth = 0;
          if (!closedByThis) i -= 1;
        }
        continue;
      }
      if (mode === Mode.Key && keyText !== '') {
        // Reading a key string: `keyText` starts with the opening quote.
        keyText += chunk[i];
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) {
          key = parse(keyText, 'a member name') as string;
          keyText = '';
          mode = Mode.Colon;
        }
        continue;
      }
      if (isSpace(c)) continue;
      switch (mode) {
        case Mode.Start:
          if (c !== 0x7b) fail('it does not start with "{"');
          mode = Mode.Key;
          break;
        case Mode.Key:
          if (c === 0x7d && !afterComma) mode = Mode.End;
          else if (c === 0x22) {
            keyText = '"';
            afterComma = false;
          } else fail('expected a member name');
          break;
        case Mode.Colon:
          if (c !== 0x3a) fail(`expected ":" after "${key}"`);
          mode = Mode.Value;
          break;
        case Mode.Value:
          if (key === 'entry' && c === 0x5b) {
            mode = Mode.Element;
          } else {
            mode = Mode.MemberValue;
            copyFrom = i;
            i -= 1;
          }
          break;
        case Mode.Element:
          if (c === 0x5d && afterComma) fail('a "," before "]" in entry');
          else if (c === 0x5d) mode = Mode.AfterValue;
          else if (c === 0x7b) {
            afterComma = false;
            mode = Mode.ElementValue;
            copyFrom = i;
            i -= 1;
          } else fail(`entry ${index} is not an object`);
          break;
        case Mode.AfterElement:
          if (c === 0x2c) {
            mode = Mode.Element;
            afterComma = true;
          } else if (c === 0x5d) mode = Mode.AfterValue;
          else fail(`expected "," or "]" after entry ${index - 1}`);
          break;
        case Mode.AfterValue:
          if (c === 0x2c) {
            mode = Mode.Key;
            afterComma = true;
          } else if (c === 0x7d) mode = Mode.End;
          else fail(`expected "," or "}" after "${key}"`);
          break;
        case Mode.End:
          fail('text after the closing "}"');
      }
    }
    if (copyFrom !== -1) buffer += chunk.slice(copyFrom);
    yield* parts;
  }
  if (mode !== Mode.End) fail('the text ends before the Bundle does');
}
