import { compile } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';

/**
 * The FHIRPath expressions that read Observation values, compiled once at start-up. They run only
 * on the few results already picked by LOINC code and date, never on the whole bundle: cost stays
 * flat as prefetch grows.
 *
 * The usual path (a numeric result) reads `valueQuantity` without the R4 model: in FHIR JSON a
 * Quantity value is always named so, and the model's choice-type lookup (`value.ofType(Quantity)`)
 * was about half of each call. Only a result without a Quantity is asked, with the model,
 * whether it holds a value of another type.
 */
const compileWith = (expression: string, model?: typeof r4) => {
  const fn = model ? compile(expression, model) : compile(expression);
  return (resource: unknown): unknown[] => fn(resource) as unknown[];
};

export const paths = {
  valueQuantity: compileWith('valueQuantity'),
  /** Any value of another type (string, CodeableConcept …): present but not a number. */
  otherValue: compileWith('value.exists() and value.ofType(Quantity).empty()', r4),
  dataAbsentReason: compileWith('dataAbsentReason.coding.code | dataAbsentReason.text'),
} as const;
