/**
 * Code tables (clinical-rules.md §7). These are the defaults of `RuleConfig.codes`; an institution
 * can extend them with local codes through RULES_FILE. V/U after a code repeats the research
 * status in clinical-rules.md (V verified in a public source, U unverified).
 */

export const SYSTEMS = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
} as const;

/** LOINC codes per analyte (§7.1). Only these feed the rules; urine and RBC Mg never do (R-DATA-4). */
export const defaultLoinc = {
  magnesium: ['19123-9', '2601-3'], // serum/plasma mass V, moles V
  potassium: ['2823-3', '22760-3', '6298-4'], // serum moles V, serum mass V, blood V
  calciumTotal: ['17861-6', '2000-8'], // serum mass V, serum moles U
  calciumCorrected: ['29265-6'], // corrected for albumin V
  calciumIonized: ['1995-0', '1994-3', '17864-0'], // serum moles V, blood moles V, serum mass V
  albumin: ['1751-7'], // U
  creatinine: ['2160-0', '14682-9', '38483-4'], // serum mass V, serum moles V, blood mass V
  egfr: ['98979-8', '98980-6', '62238-1', '33914-3', '77147-7', '48642-3', '48643-1'],
  weight: ['29463-7', '3141-9'], // V, U
  qtc: ['8636-3'], // QTc U (8634-8 is the uncorrected QT interval: not used)
};

export type Analyte = keyof typeof defaultLoinc;

/** A coded concept the rules look for, in several systems, with words for a last-resort text match. */
export interface ConceptSet {
  snomed: string[];
  /** ICD-10 codes; a trailing `*` matches the code and every code below it (`O1*`). */
  icd10: string[];
  /** Lower-case phrases matched against Condition.code.text/display when no code matches. */
  text: string[];
}

/** R-SYM-1: seizure, tetany, torsades, ventricular arrhythmia, long QT. */
export const defaultSymptomConditions: ConceptSet = {
  snomed: [
    '91175000', // Seizure V
    '31722008', // Torsades de pointes U
    '44103008', // Ventricular arrhythmia V
    '25569003', // Ventricular tachycardia V
    '251159007', // Polymorphic ventricular tachycardia V
    '71908006', // Ventricular fibrillation V
    '9651007', // Long QT syndrome V
    '111975006', // Prolonged QT interval U
    '54200006', // Generalized tonic-clonic seizure U
    '230456007', // Status epilepticus U
    '410429000', // Cardiac arrest U
  ],
  // ICD-10-CM: seizures/convulsions, status epilepticus, tetany, VT/torsades, VF/flutter, cardiac arrest, long QT.
  icd10: ['R56*', 'G41*', 'R29.0', 'I47.2*', 'I49.0*', 'I46*', 'I45.81'],
  text: ['seizure', 'convulsion', 'tetany', 'torsade', 'ventricular tachycardia', 'ventricular fibrillation', 'ventricular arrhythmia', 'cardiac arrest', 'long qt', 'prolonged qt', 'qt prolongation'],
};

/** R-PREG-1: active pregnancy (77386006 and common descendants; ICD-10 pregnant state). */
export const defaultPregnancyConditions: ConceptSet = {
  snomed: [
    '77386006', // Pregnancy V
    '72892002', // Normal pregnancy U
    '47200007', // High risk pregnancy U
    '57630001', // First trimester pregnancy U
    '59466002', // Second trimester pregnancy U
    '41587001', // Third trimester pregnancy U
    '16356006', // Multiple pregnancy U
    '398254007', // Pre-eclampsia U
    '15938005', // Eclampsia U (R-OS-1: an emergency indication for fast IV magnesium)
  ],
  // ICD-10(-CM): pregnant state, supervision of (high-risk) pregnancy, weeks of gestation, and the
  // pregnancy chapters O10-O48 (not O00-O08 abortive outcomes, not labour, delivery or puerperium).
  icd10: ['Z33.1', 'Z34*', 'Z35*', 'Z3A*', 'O09*', 'O1*', 'O2*', 'O3*', 'O4*'],
  text: ['pregnant', 'pregnancy', 'pre-eclampsia', 'preeclampsia', 'eclampsia', 'gestation'],
};

/** R-RENAL-1: CKD stage 4-5, ESRD, dialysis. */
export const defaultRenalConditions: ConceptSet = {
  snomed: [
    '431857002', // CKD stage 4 U
    '433146000', // CKD stage 5 U
    '46177005', // End-stage renal disease V
    '105502003', // Dependence on renal dialysis U
    '714152005', // CKD stage 5 on dialysis U
    '236435004', // End stage renal failure on dialysis U
    '302497006', // Haemodialysis U
    '71192002', // Peritoneal dialysis U
  ],
  icd10: ['N18.4', 'N18.5', 'N18.6', 'Z99.2', 'Z91.15', 'Z49*'],
  text: ['end stage renal', 'end-stage renal', 'esrd', 'dialysis', 'ckd stage 4', 'ckd stage 5', 'chronic kidney disease stage 4', 'chronic kidney disease stage 5'],
};

/**
 * R-RENAL-3: severe renal impairment: CKD stage 5, ESRD and any dialysis. Matched by code, and by
 * text even when the Condition also carries codes this table does not know (local or other codes).
 */
export const defaultSevereRenalConditions: ConceptSet = {
  snomed: [
    '433146000', // CKD stage 5 U
    '46177005', // End-stage renal disease V
    '105502003', // Dependence on renal dialysis U
    '714152005', // CKD stage 5 on dialysis U
    '236435004', // End stage renal failure on dialysis U
    '302497006', // Haemodialysis U
    '71192002', // Peritoneal dialysis U
    '108241001', // Dialysis procedure U
    '238318009', // Continuous ambulatory peritoneal dialysis U
  ],
  // ICD-10(-CM): CKD 5, ESRD, dependence on dialysis, non-compliance with dialysis, encounter for dialysis care.
  icd10: ['N18.5', 'N18.6', 'Z99.2', 'Z91.15', 'Z49*'],
  text: ['end stage renal', 'end-stage renal', 'esrd', 'dialysis', 'ckd stage 5', 'chronic kidney disease stage 5', 'kidney failure'],
};

/** Symptomatic findings that allow the label's one emergency rate exception: torsades de pointes, cardiac arrest (R-IV-2). */
export const defaultEmergencyConditions: ConceptSet = {
  snomed: [
    '31722008', // Torsades de pointes U
    '410429000', // Cardiac arrest U
    '71908006', // Ventricular fibrillation V (shockable arrest rhythm)
  ],
  icd10: ['I47.21', 'I46*', 'I49.01'],
  text: ['torsade', 'cardiac arrest', 'ventricular fibrillation'],
};

export interface IngredientEntry {
  rxcui: string;
  name: string;
  /** Drug class shown on the card. */
  drugClass: string;
  /** Brand names and other spellings matched in medication text. */
  aliases?: string[];
}

/** R-MED-1: magnesium-depleting ingredients (§7.2). */
export const defaultDepletingIngredients: IngredientEntry[] = [
  { rxcui: '7646', name: 'omeprazole', drugClass: 'proton pump inhibitor', aliases: ['Prilosec', 'Losec'] },
  { rxcui: '283742', name: 'esomeprazole', drugClass: 'proton pump inhibitor', aliases: ['Nexium'] },
  { rxcui: '17128', name: 'lansoprazole', drugClass: 'proton pump inhibitor', aliases: ['Prevacid'] },
  { rxcui: '816346', name: 'dexlansoprazole', drugClass: 'proton pump inhibitor', aliases: ['Dexilant'] },
  { rxcui: '40790', name: 'pantoprazole', drugClass: 'proton pump inhibitor', aliases: ['Protonix'] },
  { rxcui: '114979', name: 'rabeprazole', drugClass: 'proton pump inhibitor', aliases: ['Aciphex', 'Pariet'] },
  { rxcui: '4603', name: 'furosemide', drugClass: 'loop diuretic', aliases: ['frusemide', 'Lasix'] },
  { rxcui: '1808', name: 'bumetanide', drugClass: 'loop diuretic', aliases: ['Bumex'] },
  { rxcui: '38413', name: 'torsemide', drugClass: 'loop diuretic', aliases: ['torasemide', 'Demadex', 'Soaanz'] },
  { rxcui: '4109', name: 'ethacrynic acid', drugClass: 'loop diuretic', aliases: ['Edecrin'] },
  { rxcui: '62349', name: 'ethacrynate', drugClass: 'loop diuretic' }, // listed beside 4109 in the PDDI value set
  { rxcui: '5487', name: 'hydrochlorothiazide', drugClass: 'thiazide diuretic', aliases: ['HCTZ', 'Microzide'] },
  { rxcui: '2409', name: 'chlorthalidone', drugClass: 'thiazide-like diuretic', aliases: ['chlortalidone', 'Thalitone'] },
  { rxcui: '2396', name: 'chlorothiazide', drugClass: 'thiazide diuretic' },
  { rxcui: '6916', name: 'metolazone', drugClass: 'thiazide-like diuretic', aliases: ['Zaroxolyn'] },
  { rxcui: '5764', name: 'indapamide', drugClass: 'thiazide-like diuretic', aliases: ['Lozol'] },
  { rxcui: '2555', name: 'cisplatin', drugClass: 'platinum chemotherapy', aliases: ['Platinol'] },
  { rxcui: '40048', name: 'carboplatin', drugClass: 'platinum chemotherapy', aliases: ['Paraplatin'] },
  { rxcui: '32592', name: 'oxaliplatin', drugClass: 'platinum chemotherapy', aliases: ['Eloxatin'] },
  { rxcui: '318341', name: 'cetuximab', drugClass: 'anti-EGFR antibody', aliases: ['Erbitux'] },
  { rxcui: '263034', name: 'panitumumab', drugClass: 'anti-EGFR antibody', aliases: ['Vectibix'] },
  { rxcui: '3008', name: 'cyclosporine', drugClass: 'calcineurin inhibitor', aliases: ['ciclosporin', 'cyclosporin', 'Neoral', 'Sandimmune', 'Gengraf'] },
  { rxcui: '42316', name: 'tacrolimus', drugClass: 'calcineurin inhibitor', aliases: ['Prograf', 'Envarsus', 'Advagraf', 'Astagraf'] },
  { rxcui: '4413', name: 'gentamicin', drugClass: 'aminoglycoside' },
  { rxcui: '10627', name: 'tobramycin', drugClass: 'aminoglycoside' },
  { rxcui: '641', name: 'amikacin', drugClass: 'aminoglycoside' },
  { rxcui: '732', name: 'amphotericin B', drugClass: 'antifungal', aliases: ['AmBisome', 'Abelcet', 'Fungizone'] },
  { rxcui: '7994', name: 'pentamidine', drugClass: 'antiprotozoal', aliases: ['Pentam', 'NebuPent'] },
  { rxcui: '4450', name: 'foscarnet', drugClass: 'antiviral', aliases: ['Foscavir'] },
];

/** R-MON-3: oral magnesium products (ingredient names; codes resolved via the product map). */
export const defaultOralMagnesiumNames = [
  'magnesium oxide',
  'magnesium chloride',
  'magnesium citrate',
  'magnesium gluconate',
  'magnesium lactate',
  'magnesium glycinate',
  'magnesium aspartate',
  'mag-ox',
  'slow-mag',
  'mag-tab',
];

/** Lab orders used by the follow-up ServiceRequests (R-MON-*). */
export const defaultLabOrders = {
  magnesium: { system: SYSTEMS.loinc, code: '19123-9', display: 'Magnesium [Mass/volume] in Serum or Plasma' },
  potassium: { system: SYSTEMS.loinc, code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' },
  calcium: { system: SYSTEMS.loinc, code: '17861-6', display: 'Calcium [Mass/volume] in Serum or Plasma' },
  creatinine: { system: SYSTEMS.loinc, code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma' },
};

/** The finding the cards are about, their source topic and the orders' reason (§7.3, V). */
export const HYPOMAGNESEMIA = { system: SYSTEMS.snomed, code: '190855004', display: 'Hypomagnesemia' } as const;

/** Source topic of a high-magnesium card (R-HYPER-2). */
export const HYPERMAGNESEMIA = { system: SYSTEMS.snomed, code: '66978005', display: 'Hypermagnesemia' } as const;

/** Category of the follow-up lab orders. */
export const LAB_PROCEDURE = { system: SYSTEMS.snomed, code: '108252007', display: 'Laboratory procedure' } as const;

/** Dose unit of the oral suggestion (HL7 v3 orderable drug form). */
export const TABLET_FORM = { system: 'http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm', code: 'TAB', unit: 'tablet' } as const;

/** Routes for suggestions (§7.3). */
export const ROUTES = {
  iv: { system: SYSTEMS.snomed, code: '47625008', display: 'Intravenous route' },
  oral: { system: SYSTEMS.snomed, code: '26643006', display: 'Oral route' },
  im: { system: SYSTEMS.snomed, code: '78421000', display: 'Intramuscular route' },
} as const;

/**
 * R-IV-3: orderable premixed magnesium sulfate in water bags (40 mg/mL). 829734 was checked against
 * openFDA NDC records: it is listed on B. Braun 0264-4204, a product sold only as 2 g/50 mL, and not on
 * the 20 g/500 mL bag (Hospira 0409-2050), so it is the 2 g/50 mL code (its exact SCD name unverified).
 * No RxCUI could be tied to the 4 g/100 mL bag: 1658259 is listed on both the 2 g/50 mL and the
 * 20 g/500 mL NDCs, so it reads as a 40 mg/mL concentration code, not a bag; it stands in, UNVERIFIED.
 */
export const defaultPremixedIvProducts = [
  { rxnorm: '829734', display: 'magnesium sulfate 2 g in 50 mL water for injection (premixed bag)', grams: 2, mL: 50, verified: true },
  { rxnorm: '1658259', display: 'magnesium sulfate 4 g in 100 mL water for injection (premixed bag)', grams: 4, mL: 100, verified: false },
];

/** R-GI-1: active diarrhoea, short bowel syndrome, high-output stoma. */
export const defaultGiConditions: ConceptSet = {
  snomed: [
    '62315008', // Diarrhea U
    '26629001', // Short bowel syndrome U
    '409966000', // Acute diarrhea U
    '236071009', // Chronic diarrhea U
  ],
  // ICD-10(-CM): diarrhoea, functional diarrhoea, infectious diarrhoea, postsurgical malabsorption, short bowel.
  icd10: ['R19.7', 'K59.1', 'A09*', 'K91.2', 'K90.82*'],
  text: ['diarrhoea', 'diarrhea', 'short bowel', 'high output stoma', 'high-output stoma', 'high output ileostomy', 'high-output ileostomy'],
};

/** R-CARD-1: cardiac risk for the 2.0 mg/dL target: AF, heart failure, MI, cardiac surgery, long QT. */
export const defaultCardiacRiskConditions: ConceptSet = {
  snomed: [
    '49436004', // Atrial fibrillation U
    '84114007', // Heart failure U
    '42343007', // Congestive heart failure U
    '22298006', // Myocardial infarction U
    '57054005', // Acute myocardial infarction U
    '9651007', // Long QT syndrome V
    '111975006', // Prolonged QT interval U
    '232717009', // Coronary artery bypass grafting U
  ],
  // ICD-10(-CM): AF/flutter, heart failure, acute and subsequent MI, long QT, presence of CABG graft / heart valve surgery.
  icd10: ['I48*', 'I50*', 'I21*', 'I22*', 'I45.81', 'Z95.1'],
  text: ['atrial fibrillation', 'heart failure', 'myocardial infarction', 'cardiac surgery', 'coronary artery bypass', 'cabg', 'valve replacement', 'long qt', 'prolonged qt'],
};

/** R-DIG-1: digoxin (ingredient 3407 V, A12) and brand names. */
export const defaultDigoxin = { rxcui: ['3407'], names: ['digoxin', 'Lanoxin', 'Digitek'] };

/** R-ORAL-2 (A19): drugs whose absorption oral magnesium reduces; matched by name (RxCUIs not used). */
export const defaultOralInteractions = [
  { drugClass: 'tetracycline', names: ['doxycycline', 'minocycline', 'tetracycline', 'oxytetracycline', 'demeclocycline'] },
  { drugClass: 'fluoroquinolone', names: ['ciprofloxacin', 'levofloxacin', 'moxifloxacin', 'ofloxacin', 'norfloxacin'] },
  { drugClass: 'bisphosphonate', names: ['alendronate', 'alendronic acid', 'risedronate', 'ibandronate', 'etidronate'] },
  { drugClass: 'thyroid hormone', names: ['levothyroxine', 'thyroxine'] },
  { drugClass: 'iron', names: ['ferrous sulfate', 'ferrous sulphate', 'ferrous fumarate', 'ferrous gluconate', 'iron'] },
];

/** R-LYTE-3: the finding a potassium-only card is about (§7.3, V-indirect). */
export const HYPOKALEMIA = { system: SYSTEMS.snomed, code: '43339004', display: 'Hypokalemia' } as const;

/** R-OVR-1: CDS Hooks suggested override reason codes (3.0.0-ballot, FHIR-48319). */
export const NON_ADHERENCE_REASONS = 'http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes';
