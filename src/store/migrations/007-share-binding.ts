import type { Kysely } from 'kysely';

/**
 * A share names a person by email; its first use binds it to the identity that proved that
 * address (an issuer and a subject), and from then on only that identity meets it (issue 6,
 * src/uma/policy/binding.ts). Both columns are empty until then.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('uma_policies').addColumn('bound_iss', 'text').execute();
  await db.schema.alterTable('uma_policies').addColumn('bound_sub', 'text').execute();
}
