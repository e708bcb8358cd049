/**
 * The demo's people. Their passwords are well known on purpose, so a newcomer can log in as each
 * of them within a minute of `npm start`; they are printed at every start with a warning, and
 * the demo is off unless the default embedded database is used or KARDIA_DEMO says otherwise.
 */
export interface DemoAccount {
  username: string;
  password: string;
  name: string;
  /** What the account is for in the demo, as printed at start. */
  part: string;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    username: 'alice',
    password: 'alice-demo',
    name: 'Alice Martin',
    part: 'owns a health record: six years of visits, labs and medicines',
  },
  {
    username: 'bob',
    password: 'bob-demo',
    name: 'Bob Okafor',
    part: 'a doctor Alice can share her record with',
  },
  {
    username: 'carol',
    password: 'carol-demo',
    name: 'Carol Reyes',
    part: "Alice's daughter, who may ask to see the record",
  },
];

export const DEMO_OWNER = 'alice';

/** The demo record's seed: every install gets the same story, dated up to today. */
export const DEMO_RECORD = { seed: 'kardia-demo', given: 'Alice', family: 'Martin' } as const;
