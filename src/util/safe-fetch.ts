import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Fetches a document a client names by URL (`jwks_uri`, later `request_uri` and
 * `sector_identifier_uri`) without letting that URL reach into Kardia's own network: https only,
 * every resolved address checked and the connection made to the checked address, no redirects,
 * a timeout and a size limit. Plain http is allowed to loopback hosts only when the operator
 * turned `allowLoopbackFetch` on (development and tests).
 */
export interface SafeFetchOptions {
  /** `settings.allowLoopbackFetch`: http and loopback addresses allowed for loopback hosts. */
  allowLoopback: boolean;
  /** Whole-request timeout, milliseconds. */
  timeoutMs?: number;
  /** Largest accepted body, bytes. */
  maxBytes?: number;
  /** Accepted media types (without parameters); a `+json` suffix counts as JSON. */
  accept?: 'json' | string[];
}

export const SAFE_FETCH_TIMEOUT_MS = 5_000;
export const SAFE_FETCH_MAX_BYTES = 64 * 1024;

export type SafeFetchFailure =
  | 'bad_url'
  | 'scheme_not_allowed'
  | 'address_not_allowed'
  | 'timeout'
  | 'too_large'
  | 'redirect'
  | 'bad_status'
  | 'bad_content_type'
  | 'bad_json'
  | 'network';

/** A refused or failed fetch; `reason` is stable, the message is for logs only. */
export class SafeFetchError extends Error {
  constructor(
    readonly reason: SafeFetchFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SafeFetchError';
  }
}

export interface SafeFetchResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Addresses no client-supplied URL may reach (RFC 6890 special-purpose blocks). */
const forbidden = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv4');
}
// NAT64 (64:ff9b::/96), Teredo (2001::/32) and 6to4 (2002::/16) carry an IPv4 address that
// could be private, so they are refused whole.
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv6');
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries. */
function unmap(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], type: 'ipv4' };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex?.[1] && hex[2]) {
    const high = Number.parseInt(hex[1], 16);
    const low = Number.parseInt(hex[2], 16);
    return {
      address: [high >> 8, high & 255, low >> 8, low & 255].join('.'),
      type: 'ipv4',
    };
  }
  return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Whether Kardia may connect to this resolved address. */
export function isAllowedAddress(address: string, allowLoopback: boolean): boolean {
  const { address: plain, type } = unmap(address);
  if (isIP(plain) === 0) return false;
  if (allowLoopback && loopback.check(plain, type)) return true;
  return !forbidden.check(plain, type);
}

/** Resolves like dns.lookup, refusing the whole name when any of its addresses is refused. */
function checkedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => !isAllowedAddress(a.address, allowLoopback));
      if (list.length === 0 || refused) {
        const reason = new SafeFetchError(
          'address_not_allowed',
          `${hostname} resolves to a forbidden address`,
        );
        return callback(reason as NodeJS.ErrnoException, '', 4);
      }
      if (options.all) return callback(null, list as unknown as string);
      const first = list[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

function checkUrl(raw: string, allowLoopback: boolean): URL {
  if (!URL.canParse(raw)) throw new SafeFetchError('bad_url', 'not an absolute URL');
  const url = new URL(raw);
  if (url.username || url.password) throw new SafeFetchError('bad_url', 'URL carries credentials');
  const loopbackHost = LOOPBACK_NAMES.has(url.hostname) || loopback.check(url.hostname, 'ipv4');
  const httpAllowed = url.protocol === 'http:' && allowLoopback && loopbackHost;
  if (url.protocol !== 'https:' && !httpAllowed) {
    throw new SafeFetchError('scheme_not_allowed', `${url.protocol} is not allowed`);
  }
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0 && !isAllowedAddress(literal, allowLoopback)) {
    throw new SafeFetchError('address_not_allowed', 'URL names a forbidden address');
  }
  return url;
}

/** GETs `raw` under the rules above and answers the whole body. */
export async function safeFetch(
  raw: string,
  options: SafeFetchOptions,
): Promise<SafeFetchResponse> {
  const url = checkUrl(raw, options.allowLoopback);
  const timeoutMs = options.timeoutMs ?? SAFE_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? SAFE_FETCH_MAX_BYTES;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  const response = await new Promise<SafeFetchResponse>((resolve, reject) => {
    let settled = false;
    const request = send(url, {
      method: 'GET',
      agent: false,
      lookup: checkedLookup(options.allowLoopback),
      headers: { accept: acceptHeader(options.accept), 'user-agent': 'kardia' },
    });
    const finish = (error: unknown, value?: SafeFetchResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (value) return resolve(value);
      request.destroy();
      const reason = error instanceof Error ? error.message : 'failed';
      reject(error instanceof SafeFetchError ? error : new SafeFetchError('network', reason));
    };
    const tooLarge = () => finish(new SafeFetchError('too_large', 'body exceeds the limit'));
    const timer = setTimeout(
      () => finish(new SafeFetchError('timeout', `no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );

    request.on('error', finish);
    request.on('response', (message: IncomingMessage) => {
      if (Number(message.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      message.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return tooLarge();
        chunks.push(chunk);
      });
      message.on('error', finish);
      message.on('end', () =>
        finish(undefined, {
          status: message.statusCode ?? 0,
          contentType: mediaType(message.headers['content-type']),
          body: Buffer.concat(chunks),
        }),
      );
    });
    request.end();
  });

  if (response.status >= 300 && response.status < 400) {
    throw new SafeFetchError('redirect', 'redirects are not followed');
  }
  if (response.status !== 200) {
    throw new SafeFetchError('bad_status', `answered status ${response.status}`);
  }
  if (!isAccepted(response.contentType, options.accept)) {
    throw new SafeFetchError('bad_content_type', `unexpected content type ${response.contentType}`);
  }
  return response;
}

/** GETs a JSON document (`application/json` or `*+json`) and parses it. */
export async function fetchJson(raw: string, options: SafeFetchOptions): Promise<unknown> {
  const response = await safeFetch(raw, { ...options, accept: 'json' });
  try {
    return JSON.parse(response.body.toString('utf8')) as unknown;
  } catch {
    throw new SafeFetchError('bad_json', 'body is not JSON');
  }
}

const mediaType = (header: string | undefined): string =>
  (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

const isJson = (type: string): boolean => type === 'application/json' || type.endsWith('+json');

function isAccepted(type: string, accept: SafeFetchOptions['accept']): boolean {
  if (accept === undefined) return true;
  if (accept === 'json') return isJson(type);
  return accept.includes(type);
}

function acceptHeader(accept: SafeFetchOptions['accept']): string {
  if (accept === 'json') return 'application/json, application/jwk-set+json';
  return accept?.join(', ') ?? '*/*';
}
