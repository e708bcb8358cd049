import { z } from 'zod';

/**
 * Every setting Kardia reads, with its unit and default. A setting comes from a command-line flag
 * or from the environment variable `KARDIA_<NAME>` (upper snake case); flags win.
 * This file is the one place that documents them; `kardia serve --help` and the README list it.
 */
const seconds = (fallback: number, max?: number) => {
  const base = z.coerce.number().int().positive();
  return (max === undefined ? base : base.max(max)).default(fallback);
};

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

export const settingsSchema = z.object({
  /** Public base URL of this server; every endpoint URL and token `iss` derives from it. */
  issuer: z.url().default('http://localhost:8080'),
  /** TCP port to listen on. */
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to bind. */
  host: z.string().default('127.0.0.1'),
  /**
   * PEM certificate chain and private key files. When both are set Kardia serves HTTPS itself,
   * TLS 1.2 or later with the cipher suites BCP 195 recommends (HEART OAuth §6); otherwise it
   * expects a TLS-terminating proxy in front (or a localhost issuer, for development).
   */
  tlsCertFile: z.string().min(1).optional(),
  tlsKeyFile: z.string().min(1).optional(),
  /** `sqlite:<path>` (embedded, the default) or `postgres://...`. */
  databaseUrl: z.string().default('sqlite:./data/kardia.db'),
  /** Optional `redis://` URL; when set, cross-node cache invalidation also travels over Redis. */
  redisUrl: z.string().optional(),
  /** Which roles this process plays: `as` (authorization server and OP), `rs` (FHIR server). */
  roles: list.default(['as', 'rs']),
  /** With `roles` = rs only: the issuer URL of the Kardia AS that this RS trusts. */
  as: z.url().optional(),
  /**
   * The FHIR server's own protected-resource registration at the AS (`kardia resource-server
   * add`): its client_id. Required with `--roles rs --as <url>`; in the default one-process mode
   * Kardia registers its RS itself at first start and keeps the key in its RS-side table.
   */
  rsClientId: z.string().min(1).max(200).optional(),
  /**
   * With `rsClientId`: path of a JSON file holding the RS's private key as a JWK (RS256, PS256 or
   * ES256; `kid` recommended), whose public half was given to `kardia resource-server add`.
   */
  rsKeyFile: z.string().min(1).optional(),
  /**
   * UMA at the RS (heart-uma2.md 3.1), split mode: the client_id of the FHIR server's own OAuth
   * client at the AS, registered with `kardia client add --grant authorization_code --refresh
   * --scope uma_protection --redirect-uri <this issuer>/fhir/uma/callback`. Without it a split RS
   * serves OAuth only; in one-process mode Kardia registers this client itself at first start.
   */
  rsUmaClientId: z.string().min(1).max(200).optional(),
  /** With `rsUmaClientId`: its private JWK file; defaults to `rsKeyFile`. */
  rsUmaKeyFile: z.string().min(1).optional(),
  /** Log level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Authorization code lifetime, seconds (HEART: short; never above 600). */
  codeTtl: seconds(60, 600),
  /** Access token lifetime for the authorization-code grant, seconds. */
  accessTokenTtl: seconds(3600),
  /** Access token lifetime for the implicit grant, seconds. */
  implicitAccessTokenTtl: seconds(900),
  /** Access token lifetime for the client-credentials grant, seconds. */
  clientCredentialsAccessTokenTtl: seconds(21600),
  /** Refresh token lifetime, seconds; refresh tokens rotate on every use. */
  refreshTokenTtl: seconds(86400),
  /** ID token lifetime, seconds (HEART OIDC: at most five minutes). */
  idTokenTtl: seconds(300, 300),
  /** Login session lifetime, seconds. */
  sessionTtl: seconds(8 * 3600),
  /** How long a retired signing key stays in the JWKS after rotation, seconds. */
  keyRetentionTtl: seconds(86400 + 3600),
  /**
   * Issuers whose software statements are trusted at /register (RFC 7591 §2.3), comma-separated
   * `<iss>=<keys>` entries split at the first `=`: `<keys>` is the issuer's JWK Set, either an
   * https URL (http on loopback with `allowLoopbackFetch`) fetched through safe-fetch at each
   * use, or an absolute path or `file:` URL read at each use. A malformed entry stops startup.
   * Example: `https://fed.example=https://fed.example/jwks.json,https://b.example=/etc/b.jwks`.
   */
  trustedSoftwareStatementIssuers: list.default([]),
  /**
   * UMA (heart-uma2.md Part 3.2): OpenID providers whose ID tokens count as pushed claims,
   * comma-separated `<issuer>=<audience>[ <audience>...]` entries split at the first `=`: the
   * audiences are the `aud` values accepted from that issuer (Kardia's client ids at it). Keys
   * come from the issuer's discovery `jwks_uri`. Kardia's own issuer is always trusted, with the
   * pushing client as audience. Example: `https://idp.example=kardia-at-idp`.
   */
  umaTrustedIssuers: list.default([]),
  /** UMA permission ticket lifetime, seconds (single use; Part 3.3). */
  umaTicketTtl: seconds(300, 3600),
  /** UMA RPT lifetime, seconds (HEART: at most one hour). */
  umaRptTtl: seconds(3600, 3600),
  /** UMA persisted claims token lifetime, seconds (Part 3.5: at most 24 hours). */
  umaPctTtl: seconds(86400, 86400),
  /** UMA `request_submitted` polling interval, seconds (Part 3.6). */
  umaPollInterval: seconds(5, 60),
  /** Allow `http://` jwks_uri, request_uri and sector identifier fetches on loopback hosts. */
  allowLoopbackFetch: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .transform((v) => v === true || v === 'true' || v === '1')
    .default(false),
  /**
   * Seed the demo at `kardia serve` on an empty database: accounts alice, bob and carol with
   * well-known passwords (printed at start, with a warning) and a synthetic record for alice.
   * Unset: on only for the default embedded database `sqlite:./data/kardia.db`, off otherwise.
   */
  demo: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .transform((v) => v === true || v === 'true' || v === '1')
    .optional(),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

const envName = (key: string) => `KARDIA_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Reads settings from `KARDIA_*` variables, overridden by the given values (flags). */
export function loadSettings(
  overrides: Partial<SettingsInput> = {},
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(settingsSchema.shape)) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[key] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    throw new SettingsError(`${envName(key)}: ${issue?.message ?? 'invalid value'}`);
  }
  const settings = parsed.data;
  settings.issuer = settings.issuer.replace(/\/+$/, '');
  return settings;
}

export class SettingsError extends Error {}

/** HEART requires TLS; plain http is tolerated only for a loopback issuer during development. */
export function isLoopbackIssuer(issuer: string): boolean {
  const { protocol, hostname } = new URL(issuer);
  if (protocol === 'https:') return false;
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

export function checkIssuer(issuer: string): string | undefined {
  const url = new URL(issuer);
  if (url.protocol === 'https:') return undefined;
  if (isLoopbackIssuer(issuer)) {
    return `issuer ${issuer} is not https: acceptable for local development only`;
  }
  throw new SettingsError(`KARDIA_ISSUER must be https unless it is localhost (got ${issuer})`);
}

export { envName };
