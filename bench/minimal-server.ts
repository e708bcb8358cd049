/**
 * The baseline: what the benchmarked paths cost with the same cryptography and nothing else.
 * A bare node:http server, no framework, no storage: jtis and tokens live in Maps.
 * Run as a child process by bench/run.ts: `tsx bench/minimal-server.ts <port> <client-jwk-json>`.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';

const port = Number(process.argv[2]);
const clientJwk = JSON.parse(process.argv[3] ?? '{}') as JWK;
const issuer = `http://127.0.0.1:${port}`;
const clientKey = await importJWK(clientJwk, 'RS256');
const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
const seenJti = new Map<string, number>();
const issued = new Map<string, { sub: string; scope: string; exp: number }>();
const records = new Map<string, string>([
  ['obs-1', JSON.stringify({ resourceType: 'Observation', id: 'obs-1', status: 'final' })],
]);

async function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return new URLSearchParams(text);
}

async function verifyAssertion(form: URLSearchParams, audience: string): Promise<string> {
  const { payload } = await jwtVerify(form.get('client_assertion') ?? '', clientKey, {
    audience,
    algorithms: ['RS256'],
  });
  const jti = String(payload.jti);
  if (seenJti.has(jti)) throw new Error('replay');
  seenJti.set(jti, payload.exp ?? 0);
  return String(payload.iss);
}

const send = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
) => {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

http
  .createServer(async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/token') {
        const form = await readBody(req);
        const clientId = await verifyAssertion(form, `${issuer}/token`);
        const now = Math.floor(Date.now() / 1000);
        const jti = randomBytes(32).toString('base64url');
        const claims = { iss: issuer, sub: clientId, azp: clientId, scope: 'system/*.read', jti };
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(privateKey);
        issued.set(jti, { sub: clientId, scope: claims.scope, exp: now + 3600 });
        return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      }
      if (req.method === 'POST' && req.url === '/introspect') {
        const form = await readBody(req);
        await verifyAssertion(form, `${issuer}/introspect`);
        const { payload } = await jwtVerify(form.get('token') ?? '', publicKey, { issuer });
        const row = issued.get(String(payload.jti));
        return send(res, 200, row ? { active: true, ...row } : { active: false });
      }
      if (req.method === 'GET' && req.url?.startsWith('/fhir/Observation/')) {
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        const { payload } = await jwtVerify(token, publicKey, { issuer });
        if (!issued.has(String(payload.jti))) return send(res, 401, {});
        const found = records.get(req.url.slice('/fhir/Observation/'.length));
        if (!found) return send(res, 404, {});
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        return res.end(found);
      }
      if (req.method === 'GET' && req.url === '/token-for-bench') {
        // Hands the bench an access token it can replay on the read path.
        const now = Math.floor(Date.now() / 1000);
        const jti = randomBytes(32).toString('base64url');
        const token = await new SignJWT({ iss: issuer, sub: 'bench', jti, scope: 'system/*.read' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(privateKey);
        issued.set(jti, { sub: 'bench', scope: 'system/*.read', exp: now + 3600 });
        return send(res, 200, { access_token: token });
      }
      send(res, 404, {});
    } catch {
      send(res, 401, { error: 'invalid_client' });
    }
  })
  .listen(port, '127.0.0.1', () => process.send?.('ready'));
