import type { Command } from 'commander';
import { openStore } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrate.js';
import { printData, settingsFrom } from '../output.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema, then exit')
    .option('--json', 'print the applied migrations as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const settings = settingsFrom(command);
      const store = openStore(settings.databaseUrl);
      try {
        const applied = await migrateToLatest(store);
        printData({ applied }, Boolean(options.json), () =>
          applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date',
        );
      } finally {
        await store.close();
      }
    });
}
