import type { Command } from 'commander';
import { addSigningKey } from '../../keys/keystore.js';
import { printData, withKardia } from '../output.js';

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage the server signing keys');
  keys
    .command('rotate')
    .description('make a new signing key; the old one stays published until its tokens expire')
    .option('--json', 'print the new public key as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const jwk = await withKardia(command, async (kardia) => {
        const s = kardia.settings;
        // Long enough for the longest-lived token the old key may have signed, plus skew.
        const retention = Math.max(s.refreshTokenTtl, s.clientCredentialsAccessTokenTtl) + 3600;
        return addSigningKey(kardia.store, Math.max(retention, s.keyRetentionTtl));
      });
      printData(jwk, Boolean(options.json), () => `new signing key ${jwk.kid} (${jwk.alg})`);
    });
}
