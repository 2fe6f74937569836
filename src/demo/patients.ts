import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';

/**
 * The sample patients of fixtures/demo: one patient-view hook request per file, with times written
 * relative to the moment of sending (src/demo/time.ts). Read by the demo page's routes and by
 * `magnesium-cds sample`.
 */

// Both src/demo (ts-jest) and dist/demo (built) sit two levels below the project root.
export const PROJECT_ROOT = join(__dirname, '..', '..');
export const DEMO_PATIENTS_DIR = join(PROJECT_ROOT, 'fixtures', 'demo');

const demoFileSchema = z.object({
  demo: z.object({ title: z.string().min(1), summary: z.string().min(1) }),
  request: z.looseObject({ hook: z.string().min(1), context: z.looseObject({}) }),
});

export type DemoPatientFile = z.infer<typeof demoFileSchema>;

export interface DemoPatientEntry {
  id: string;
  title: string;
  summary: string;
  url: string;
}

const DEMO_FILE = /^\d+-[a-z0-9-]+\.json$/;

function readDemoFile(dir: string, file: string): DemoPatientFile {
  const parsed = demoFileSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  if (!parsed.success) throw new Error(`fixtures/demo/${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const demoFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => DEMO_FILE.test(f)).sort() : []);
const demoId = (file: string) => basename(file, '.json').replace(/^\d+-/, '');

/** Reads fixtures/demo once; a malformed sample file fails start-up rather than the page. */
export function loadDemoPatients(dir = DEMO_PATIENTS_DIR): DemoPatientEntry[] {
  return demoFiles(dir).map((file) => ({ id: demoId(file), ...readDemoFile(dir, file).demo, url: `/demo/patients/${file}` }));
}

/** The sample whose id (file name without its number) is `id`, or undefined. */
export function loadDemoPatient(id: string, dir = DEMO_PATIENTS_DIR): DemoPatientFile | undefined {
  const file = demoFiles(dir).find((f) => demoId(f) === id);
  return file === undefined ? undefined : readDemoFile(dir, file);
}
