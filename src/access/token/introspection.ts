import type { RsCredentials } from '../rs-credentials.js';
import { postToAs } from './as-client.js';
import { AsUnavailable, type TrustedAs } from './trusted-as.js';

/**
 * How old an introspection answer may be when a request relies on it, milliseconds. Revocation
 * at the AS must reach the RS within one second, also when they run as separate processes on
 * separate hosts: only the AS knows, so the RS must ask it. Asking on every request would put an
 * HTTP round trip and a signature in front of each FHIR read; asking once per token per second
 * bounds that to one introspection a second for a busy token, while a revoked token is refused
 * within a second. The age is measured from when the question was sent, so an answer is never
 * relied on after `sent + 1 s`, however slow the AS was. HEART OAuth §3.2.2 (OA-IN-5) allows
 * caching for half the token's lifetime; one second is far inside that.
 *
 * The cache lives in this process's memory on purpose: it only ever narrows what the AS said a
 * second ago, so a node that has not seen a revocation learns it by asking within a second.
 */
export const INTROSPECTION_FRESHNESS_MS = 1_000;
const FRESH = INTROSPECTION_FRESHNESS_MS;
const MAX_ENTRIES = 50_000;

interface Answer {
  active: boolean;
  /** When the question that produced this answer was sent (Date.now()). */
  sentAt: number;
  /** Token expiry, seconds: an entry is useless after it. */
  exp: number;
  /** An RPT's `permissions` as the AS described them (UMA federated authorization §5.1.1). */
  permissions?: unknown[];
}

interface Entry {
  answer?: Answer;
  pending?: { sentAt: number; promise: Promise<Answer> };
}

/** RFC 7662 introspection at the trusted AS, authenticated with the RS's own key (OA-IN-1). */
export class Introspector {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly as: TrustedAs,
    private readonly credentials: () => Promise<RsCredentials>,
  ) {}

  /** Whether the AS holds the token active, from an answer at most one second old. */
  async isActive(token: string, jti: string, exp: number): Promise<boolean> {
    const entry = this.entries.get(jti) ?? this.track(jti);
    const now = Date.now();
    if (entry.answer && (!entry.answer.active || now - entry.answer.sentAt < FRESH)) {
      return entry.answer.active;
    }
    // One question in flight per token: concurrent requests share it.
    if (!entry.pending || now - entry.pending.sentAt >= FRESH) {
      const sentAt = now;
      const promise = this.ask(token, exp, sentAt).finally(() => {
        if (entry.pending?.promise === promise) entry.pending = undefined;
      });
      entry.pending = { sentAt, promise };
    }
    const answer = await entry.pending.promise;
    if (!entry.answer || entry.answer.sentAt <= answer.sentAt) entry.answer = answer;
    return answer.active;
  }

  /**
   * The `permissions` of the latest answer about a token, when it was an RPT: read right after
   * `isActive`, so it is as fresh as the answer that let the token through.
   */
  permissions(jti: string): unknown[] | undefined {
    const answer = this.entries.get(jti)?.answer;
    return answer?.active ? answer.permissions : undefined;
  }

  private track(jti: string): Entry {
    if (this.entries.size >= MAX_ENTRIES) this.prune();
    const entry: Entry = {};
    this.entries.set(jti, entry);
    return entry;
  }

  private prune(): void {
    const now = Date.now() / 1000;
    for (const [jti, entry] of this.entries) {
      if (!entry.pending && (!entry.answer || entry.answer.exp < now)) this.entries.delete(jti);
    }
    // Still full: forget the oldest half; they will simply be asked about again.
    let excess = this.entries.size - MAX_ENTRIES / 2;
    for (const jti of this.entries.keys()) {
      if (excess-- <= 0) break;
      this.entries.delete(jti);
    }
  }

  private async ask(token: string, exp: number, sentAt: number): Promise<Answer> {
    const { introspection_endpoint: endpoint } = await this.as.metadata();
    const response = await postToAs(await this.credentials(), endpoint, {
      token,
      token_type_hint: 'access_token',
    });
    if (!response.ok) throw new AsUnavailable(`introspection answered ${response.status}`);
    let body: { active?: unknown; permissions?: unknown };
    try {
      body = (await response.json()) as { active?: unknown; permissions?: unknown };
    } catch {
      throw new AsUnavailable('introspection answered no JSON');
    }
    // RFC 7662 §2.2: anything but `active: true` means the token must not be honoured.
    const permissions = Array.isArray(body.permissions)
      ? (body.permissions as unknown[])
      : undefined;
    return { active: body.active === true, sentAt, exp, ...(permissions ? { permissions } : {}) };
  }
}
