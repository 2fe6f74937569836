import { join } from 'node:path';
import { ROOT } from '../helpers';
import { describeCaseFolder } from '../case-files';

/**
 * Review cases (fixtures/cases/review): tier boundaries in each unit, comparators, freshness, status,
 * data rules, renal, electrolytes, age, symptoms, orders, administrations, hypermagnesemia and
 * depleting drugs, written from the rule table; through HTTP with the clock frozen at _about.now.
 */
describeCaseFolder('review cases through HTTP', join(ROOT, 'fixtures', 'cases', 'review'), /^v\d+.*\.json$/);
