// Signs client assertions off the main thread, so a run's requests are ready before it starts.
// Plain JavaScript: worker threads load it without a TypeScript loader.
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { importJWK, SignJWT } from 'jose';

const { privateJwk, clientId, audience, count } = workerData;
const key = await importJWK(privateJwk, 'RS256');
const now = Math.floor(Date.now() / 1000);
const out = [];
for (let i = 0; i < count; i++) {
  out.push(
    await new SignJWT({ jti: randomBytes(32).toString('base64url') })
      .setProtectedHeader({ alg: 'RS256', kid: privateJwk.kid ?? 'bench' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 1800)
      .sign(key),
  );
}
parentPort?.postMessage(out);
