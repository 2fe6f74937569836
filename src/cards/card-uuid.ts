import { v7 } from 'uuid';

/**
 * The uuid of a card or suggestion when the caller injects none: a UUIDv7 (RFC 9562), ordered by
 * issue time. The feedback store keys issued cards by this uuid, and ordered keys append to its
 * indexes where random (v4) keys land on a random page each: measured on the SQLite store, an
 * insert stays near 8 µs of CPU up to a million stored cards; with v4 it rose from 11 µs at
 * 100,000 to 17 µs (docs/performance-notebook.md). The remaining 74 random bits keep a uuid unguessable;
 * the millisecond it carries is the issue time the EHR already has.
 */
export const newUuid: () => string = () => v7();
