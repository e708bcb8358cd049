/**
 * Page sizes of searches and history (spec Part 3.5): 20 by default, at most 100; a larger
 * `_count` is lowered to the cap and the `self` link shows the value used. Includes per page
 * are capped too, so one page can never pull in an unbounded number of resources.
 */
export const PAGE_SIZE = { default: 20, max: 100 } as const;

export const MAX_INCLUDES_PER_PAGE = 1_000;

/** How long a paging cursor stays valid, milliseconds. */
export const CURSOR_TTL_MS = 3_600_000;
