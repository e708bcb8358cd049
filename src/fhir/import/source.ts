import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Bundle } from '@medplum/fhirtypes';
import { scanBundle } from './bundle-scanner.js';
import { ImportError } from './errors.js';

/** One resource of the input, where it was found, and how a Bundle entry named it. */
export interface InputItem {
  /** `entry <n>` (0-based, as in `Bundle.entry[n]`) or `line <n>` (1-based). */
  position: string;
  resource: Record<string, unknown>;
  fullUrl?: string;
  /** For transaction and batch entries: the request that would have written it. */
  request?: { method: string; url: string };
}

/** An input that can be read from its start more than once (the import reads it twice). */
export interface ImportSource {
  format: 'bundle' | 'ndjson';
  items(): AsyncIterable<InputItem>;
}

/**
 * The Bundle types whose entries are resources to load. All three load alike: the import's own
 * batches, not the Bundle type, decide what is written together.
 */
const IMPORTABLE_BUNDLES = ['transaction', 'batch', 'collection'];

const CHUNK = 1 << 20;

/** Opens a file as a Bundle or NDJSON: `.ndjson` and `.jsonl` by name, anything else by content. */
export async function fileSource(path: string): Promise<ImportSource> {
  const head = await readHead(path);
  const ext = extname(path).toLowerCase();
  const ndjson = ext === '.ndjson' || ext === '.jsonl' || looksLikeNdjson(head);
  if (ndjson) return { format: 'ndjson', items: () => ndjsonItems(lines(path)) };
  return {
    format: 'bundle',
    items: () => bundleItems(createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK })),
  };
}

/** A Bundle already in memory (the demo seeding and the benchmark). */
export function bundleSource(bundle: Bundle): ImportSource {
  const text = JSON.stringify(bundle);
  return {
    format: 'bundle',
    items: () =>
      bundleItems(
        (async function* () {
          yield text;
        })(),
      ),
  };
}

async function readHead(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImportError(code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}`);
  }
  try {
    const buffer = Buffer.alloc(CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** NDJSON when the first line is a whole JSON object other than a Bundle. */
function looksLikeNdjson(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  const newline = text.indexOf('\n');
  if (newline === -1) return false;
  try {
    const first = JSON.parse(text.slice(0, newline)) as { resourceType?: unknown };
    return typeof first === 'object' && first !== null && first.resourceType !== 'Bundle';
  } catch {
    return false;
  }
}

async function* lines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK });
  yield* createInterface({ input, crlfDelay: Infinity });
}

async function* ndjsonItems(source: AsyncIterable<string>): AsyncGenerator<InputItem> {
  let number = 0;
  for await (const raw of source) {
    number += 1;
    const line = number === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    const position = `line ${number}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ImportError('not valid JSON', position);
    }
    yield { position, resource: asResource(value, position) };
  }
}

async function* withoutBom(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let first = true;
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    yield first ? text.replace(/^\uFEFF/, '') : text;
    first = false;
  }
}

async function* bundleItems(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<InputItem> {
  let type: unknown;
  let resourceType: unknown;
  let entries = 0;
  for await (const part of scanBundle(withoutBom(chunks))) {
    if (part.kind === 'member') {
      if (part.key === 'resourceType') resourceType = part.value;
      if (part.key === 'type') type = part.value;
      if (part.key === 'entry') throw new ImportError('not a JSON Bundle: entry is not a list');
      continue;
    }
    entries += 1;
    yield entryItem(part.value, part.index, type);
  }
  if (resourceType !== 'Bundle') {
    throw new ImportError(
      `the file holds a ${String(resourceType ?? 'JSON object')}, not a Bundle`,
    );
  }
  if (typeof type !== 'string' || !IMPORTABLE_BUNDLES.includes(type)) {
    throw new ImportError(
      `Bundle.type ${String(type ?? '(missing)')} cannot be imported: use transaction, batch or collection`,
    );
  }
  if (entries === 0) throw new ImportError('the Bundle has no entries');
}

function entryItem(value: unknown, index: number, type: unknown): InputItem {
  const position = `entry ${index}`;
  const entry = value as { fullUrl?: unknown; resource?: unknown; request?: unknown };
  if (entry.resource === undefined) throw new ImportError('the entry has no resource', position);
  const item: InputItem = { position, resource: asResource(entry.resource, position) };
  if (entry.fullUrl !== undefined) {
    if (typeof entry.fullUrl !== 'string')
      throw new ImportError('fullUrl is not a string', position);
    item.fullUrl = entry.fullUrl;
  }
  const request = entry.request as { method?: unknown; url?: unknown } | undefined;
  // Bundle.type may follow the entries in the file; a collection's requests are ignored then.
  if (request && type !== 'collection') {
    if (typeof request.method !== 'string' || typeof request.url !== 'string') {
      throw new ImportError('request needs a method and a url', position);
    }
    item.request = { method: request.method, url: request.url };
  }
  return item;
}

function asResource(value: unknown, position: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImportError('not a JSON object', position);
  }
  const resource = value as Record<string, unknown>;
  if (typeof resource.resourceType !== 'string') {
    throw new ImportError('resourceType is missing', position);
  }
  return resource;
}
