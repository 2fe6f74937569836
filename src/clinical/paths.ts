import { compile } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';

/**
 * The FHIRPath expressions that read Observation values, compiled once at start-up with the R4
 * model (needed for the choice type `value.ofType(Quantity)`). They run only on the few results
 * already picked by LOINC code and date, never on the whole bundle: cost stays flat as prefetch grows.
 */
const compileR4 = (expression: string) => {
  const fn = compile(expression, r4);
  return (resource: unknown): unknown[] => fn(resource) as unknown[];
};

export const paths = {
  valueQuantity: compileR4('value.ofType(Quantity)'),
  /** Any value of another type (string, CodeableConcept …): present but not a number. */
  otherValue: compileR4('value.exists() and value.ofType(Quantity).empty()'),
  dataAbsentReason: compileR4('dataAbsentReason.coding.code | dataAbsentReason.text'),
} as const;
