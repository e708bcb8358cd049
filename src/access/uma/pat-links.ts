import type { Logger } from 'pino';
import type { Store } from '../../store/database.js';
import { nowSeconds } from '../../util/time.js';
import { postToAs } from '../token/as-client.js';
import { AsUnavailable } from '../token/trusted-as.js';
import { type AsProtection, PatRejected } from './as-protection.js';
import type { PatClient } from './pat-client.js';

/** Refresh a PAT this long before it expires, seconds (heart-uma2.md 3.1: stay linked). */
export const REFRESH_AHEAD = 300;
/** A node holding the refresh lease for longer than this is presumed gone, seconds. */
const LEASE = 30;

/** The owner has not connected their record, or the AS ended the link (PAT and refresh dead). */
export class NotLinked extends Error {}

/** What the token endpoint answered for the code or a refresh (RFC 6749 §5.1). */
export interface PatTokens {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

/**
 * Each owner's PAT and its refresh token (heart-uma2.md 3.1, UMA-PAT-5): stored sealed, one row
 * per owner, refreshed ahead of expiry. Refresh tokens rotate at the AS, and a replayed one ends
 * the whole chain, so only one node refreshes a link at a time: it takes a lease on the row, and
 * the others wait for the new version.
 */
export class PatLinks {
  constructor(
    private readonly store: Store,
    private readonly client: PatClient,
    private readonly protection: AsProtection,
    private readonly log: Logger,
  ) {}

  async isLinked(owner: string): Promise<boolean> {
    const row = await this.row(owner);
    return row !== undefined;
  }

  async owners(): Promise<string[]> {
    const rows = await this.store.db.selectFrom('rs_uma_links').select('owner_sub').execute();
    return rows.map((row) => row.owner_sub);
  }

  /** Stores (or replaces) an owner's PAT after the code flow. */
  async save(owner: string, tokens: PatTokens): Promise<void> {
    const now = nowSeconds();
    const values = this.sealedValues(tokens, now);
    await this.store.db
      .insertInto('rs_uma_links')
      .values({ owner_sub: owner, ...values, version: 1, lease_until: null, linked_at: now })
      .onConflict((oc) =>
        oc.column('owner_sub').doUpdateSet({ ...values, version: 1, lease_until: null }),
      )
      .execute();
  }

  /**
   * Runs a protection-API call with the owner's PAT, refreshed ahead of expiry; a PAT the AS
   * refuses is refreshed once and the call repeated. NotLinked when there is no live link.
   */
  async withPat<T>(owner: string, call: (pat: string) => Promise<T>): Promise<T> {
    const pat = await this.currentPat(owner);
    try {
      return await call(pat);
    } catch (error) {
      if (!(error instanceof PatRejected)) throw error;
      return call(await this.currentPat(owner, true));
    }
  }

  /** Refreshes every link whose PAT ends soon, so links outlive owners' absence (UMA-PAT-5). */
  async refreshDue(): Promise<void> {
    const rows = await this.store.db
      .selectFrom('rs_uma_links')
      .select('owner_sub')
      .where('pat_exp', '<', nowSeconds() + REFRESH_AHEAD)
      .execute();
    for (const { owner_sub: owner } of rows) {
      try {
        await this.currentPat(owner);
      } catch (error) {
        if (!(error instanceof NotLinked)) throw error;
      }
    }
  }

  /**
   * Ends the link (Part 3.9 "unlinking revokes"): RFC 7009 revocation of the refresh token, which
   * ends the PAT issued from it, and of the PAT itself; then the row goes.
   */
  async unlink(owner: string): Promise<void> {
    const row = await this.row(owner);
    if (!row) return;
    const { revocation_endpoint: endpoint } = await this.protection.metadata();
    if (endpoint) {
      const tokens: [string | null, string][] = [
        [row.refresh_sealed, 'refresh_token'],
        [row.pat_sealed, 'access_token'],
      ];
      for (const [sealed, hint] of tokens) {
        const token = sealed ? this.client.sealer.unseal(sealed) : undefined;
        if (!token) continue;
        const response = await postToAs(this.client, endpoint, { token, token_type_hint: hint });
        if (response.status !== 200)
          throw new AsUnavailable(`revocation answered ${response.status}`);
      }
    }
    await this.drop(owner);
  }

  private async currentPat(owner: string, force = false): Promise<string> {
    for (let attempt = 0; attempt < 40; attempt++) {
      const row = await this.row(owner);
      if (!row) throw new NotLinked();
      const pat = this.client.sealer.unseal(row.pat_sealed);
      const now = nowSeconds();
      if (pat && !force && row.pat_exp > now + REFRESH_AHEAD) return pat;
      if (await this.takeLease(owner, row.version, now)) return this.refresh(owner, row);
      // Another node is refreshing: its new PAT is near; the current one serves meanwhile.
      if (pat && !force && row.pat_exp > now + 5) return pat;
      await new Promise((resolve) => setTimeout(resolve, 100));
      force = false;
    }
    throw new AsUnavailable('the PAT refresh by another node did not finish');
  }

  private async takeLease(owner: string, version: number, now: number): Promise<boolean> {
    const result = await this.store.db
      .updateTable('rs_uma_links')
      .set({ lease_until: now + LEASE })
      .where('owner_sub', '=', owner)
      .where('version', '=', version)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** RFC 6749 §6 with the RS's key; `invalid_grant` means the owner or the AS ended the link. */
  private async refresh(owner: string, row: LinkRow): Promise<string> {
    const refreshToken = row.refresh_sealed ? this.client.sealer.unseal(row.refresh_sealed) : '';
    if (!refreshToken || (row.refresh_exp ?? 0) <= nowSeconds()) {
      await this.drop(owner);
      throw new NotLinked();
    }
    const { token_endpoint: endpoint } = await this.protection.metadata();
    let tokens: PatTokens;
    try {
      tokens = await redeem(this.client, endpoint, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
    } catch (error) {
      await this.releaseLease(owner);
      if (error instanceof TokenRefused && error.error === 'invalid_grant') {
        this.log.info({ event: 'uma_link_ended' }, 'the AS ended an owner link to this RS');
        await this.drop(owner);
        throw new NotLinked();
      }
      throw error;
    }
    await this.store.db
      .updateTable('rs_uma_links')
      .set({
        ...this.sealedValues(tokens, nowSeconds()),
        version: row.version + 1,
        lease_until: null,
      })
      .where('owner_sub', '=', owner)
      .where('version', '=', row.version)
      .execute();
    return tokens.access_token;
  }

  private async releaseLease(owner: string): Promise<void> {
    await this.store.db
      .updateTable('rs_uma_links')
      .set({ lease_until: null })
      .where('owner_sub', '=', owner)
      .execute();
  }

  private async drop(owner: string): Promise<void> {
    await this.store.db.deleteFrom('rs_uma_links').where('owner_sub', '=', owner).execute();
  }

  private sealedValues(tokens: PatTokens, now: number) {
    const sealer = this.client.sealer;
    return {
      pat_sealed: sealer.seal(tokens.access_token),
      pat_exp: now + (tokens.expires_in ?? 3600),
      refresh_sealed: tokens.refresh_token ? sealer.seal(tokens.refresh_token) : null,
      // heart-uma2.md 3.1: a refresh token lives 24 h from its issue.
      refresh_exp: tokens.refresh_token ? now + 86_400 : null,
      updated_at: now,
    };
  }

  private row(owner: string) {
    return this.store.db
      .selectFrom('rs_uma_links')
      .selectAll()
      .where('owner_sub', '=', owner)
      .executeTakeFirst();
  }
}

type LinkRow = NonNullable<Awaited<ReturnType<PatLinks['row']>>>;

/** The token endpoint refused the grant (RFC 6749 §5.2). */
export class TokenRefused extends Error {
  constructor(readonly error: string) {
    super(`the token endpoint refused: ${error}`);
  }
}

/** A token request with the RS's own key (private_key_jwt, `aud` the token endpoint). */
export async function redeem(
  client: PatClient,
  endpoint: string,
  fields: Record<string, string>,
): Promise<PatTokens> {
  const response = await postToAs(client, endpoint, fields);
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    throw new AsUnavailable(`the token endpoint answered ${response.status} without JSON`);
  }
  if (response.status === 400) throw new TokenRefused(String(body.error ?? 'invalid_request'));
  if (response.status !== 200 || typeof body.access_token !== 'string') {
    throw new AsUnavailable(`the token endpoint answered ${response.status}`);
  }
  return {
    access_token: body.access_token,
    ...(typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {}),
    ...(typeof body.expires_in === 'number' ? { expires_in: body.expires_in } : {}),
    ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
  };
}
