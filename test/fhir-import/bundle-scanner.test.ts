import { describe, expect, it } from 'vitest';
import { type BundlePart, scanBundle } from '../../src/fhir/import/bundle-scanner.js';
import { generateDemoRecord } from '../../src/fhir/demo/generate.js';

async function scan(text: string, chunkSize = text.length): Promise<BundlePart[]> {
  async function* chunks() {
    for (let i = 0; i < text.length; i += chunkSize) yield text.slice(i, i + chunkSize);
  }
  const parts: BundlePart[] = [];
  for await (const part of scanBundle(chunks())) parts.push(part);
  return parts;
}

const tricky = {
  resourceType: 'Bundle',
  meta: { tag: [{ code: 'a,b}]' }] },
  type: 'collection',
  entry: [
    {
      resource: { resourceType: 'Patient', name: [{ text: 'quote " brace } bracket ] \\ é 😀' }] },
    },
    { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', active: true } },
  ],
  total: 2,
};

describe('the streaming Bundle scanner', () => {
  it('yields the same members and entries whatever the chunk boundaries', async () => {
    for (const text of [JSON.stringify(tricky), JSON.stringify(tricky, null, 3)]) {
      const whole = await scan(text);
      for (const size of [1, 2, 3, 7, 64]) expect(await scan(text, size)).toEqual(whole);
      expect(whole.filter((p) => p.kind === 'entry').map((p) => p.value)).toEqual(tricky.entry);
      const members = Object.fromEntries(
        whole.flatMap((p) => (p.kind === 'member' ? [[p.key, p.value]] : [])),
      );
      expect(members).toEqual({
        resourceType: 'Bundle',
        meta: tricky.meta,
        type: 'collection',
        total: 2,
      });
    }
  });

  it('reads a demo record of hundreds of entries', async () => {
    const bundle = generateDemoRecord({ seed: 'scan', asOf: '2025-01-01' });
    const parts = await scan(JSON.stringify(bundle, null, 1), 4096);
    expect(parts.filter((p) => p.kind === 'entry').map((p) => p.value)).toEqual(bundle.entry);
  });

  it('refuses text that is not one JSON object, naming the place', async () => {
    const cases: [string, RegExp][] = [
      ['[1]', /does not start/],
      ['{"entry":[{"a":1},]}', /"," before "\]"/],
      ['{"a":1,}', /expected a member name/],
      ['{"entry":[1]}', /entry 0 is not an object/],
      ['{"entry":[{"a":}]}', /entry 0 is not valid JSON/],
      ['{"type":"x"} {}', /after the closing/],
      ['{"type":"x"', /ends before/],
      ['{"type" "x"}', /expected ":"/],
    ];
    for (const [text, message] of cases) await expect(scan(text), text).rejects.toThrow(message);
  });
});
