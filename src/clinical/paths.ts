import { compile } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';

/**
 * The FHIRPath expressions the facts layer uses, compiled once at start-up with the R4 model
 * (needed for choice types such as `value.ofType(Quantity)`). They run only on resources already
 * picked by code, never on the whole bundle: cost stays flat as prefetch grows.
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
  conditionCodings: compileR4('code.coding'),
  conditionText: compileR4('code.text | code.coding.display'),
  conditionClinicalStatus: compileR4('clinicalStatus.coding.code'),
  conditionVerificationStatus: compileR4('verificationStatus.coding.code'),
  conditionAbated: compileR4('abatement.exists()'),
  medicationCodings: compileR4('medication.ofType(CodeableConcept).coding'),
  medicationText: compileR4('medication.ofType(CodeableConcept).text | medication.ofType(CodeableConcept).coding.display | medication.ofType(Reference).display'),
  medicationReference: compileR4('medication.ofType(Reference).reference'),
  medicationResourceCodings: compileR4('code.coding'),
  medicationResourceText: compileR4('code.text | code.coding.display'),
  dosageRouteText: compileR4('dosageInstruction.route.coding.display | dosageInstruction.route.text | dosage.route.coding.display | dosage.route.text'),
  dosageRouteCodes: compileR4('dosageInstruction.route.coding.code | dosage.route.coding.code'),
} as const;
