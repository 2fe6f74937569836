import { z } from 'zod';

/**
 * CDS Hooks 2.0 wire formats. Request schemas are loose: unknown members and `extension`
 * always pass (CH-20). Response schemas are strict about what the spec requires, and are used
 * by the tests (and by `assertValidResponse`) to check every reply this service sends.
 */

// ---------------------------------------------------------------- request

/** Text fields that end up in logs or the feedback store: no NUL characters (PostgreSQL refuses them). */
const text = () => z.string().regex(/^[^\u0000]*$/, 'must not contain NUL characters');

/** A FHIR logical id (FHIR R4 `id` datatype); anything else cannot be a patient id. */
export const fhirIdPattern = /^[A-Za-z0-9\-.]{1,64}$/;

const fhirResourceSchema = z.looseObject({ resourceType: z.string().min(1) });

export const fhirAuthorizationSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
  scope: z.string().optional(),
  subject: z.string().optional(),
  patient: z.string().optional(),
});

const extensionSchema = z.record(z.string(), z.unknown());

/** Longest hookInstance accepted (it is logged and stored with issued cards). */
export const HOOK_INSTANCE_MAX_LENGTH = 256;

export const hookRequestSchema = z.looseObject({
  hook: z.string().min(1),
  hookInstance: text().min(1).max(HOOK_INSTANCE_MAX_LENGTH),
  fhirServer: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).optional(),
  fhirAuthorization: fhirAuthorizationSchema.optional(),
  context: z.looseObject({}),
  prefetch: z.record(z.string(), fhirResourceSchema.nullable()).optional(),
  extension: extensionSchema.optional(),
});

export type HookRequest = z.infer<typeof hookRequestSchema>;
export type Prefetch = NonNullable<HookRequest['prefetch']>;

/** patient-view 1.0 context (cds-hooks-library patient-view.md). */
export const patientViewContextSchema = z.looseObject({
  userId: z.string().min(1).optional(),
  patientId: z.string().regex(fhirIdPattern, 'must be a FHIR logical id (1-64 of A-Z a-z 0-9 - .)'),
  encounterId: z.string().min(1).optional(),
});

export type PatientViewContext = z.infer<typeof patientViewContextSchema>;

/** Draft orders are bounded: an order screen holds a handful, never thousands. */
export const MAX_DRAFT_ORDERS = 100;

/**
 * order-select / order-sign 1.0 `draftOrders` (CH-18): a Bundle of draft resources. The 1.0.1
 * examples and the sandbox send no `type`; the library head adds "collection": both pass.
 */
const draftOrdersSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({ resource: fhirResourceSchema.optional() })).max(MAX_DRAFT_ORDERS).optional(),
});

/** order-sign 1.0 context (cds-hooks-library order-sign.md). */
export const orderSignContextSchema = z.looseObject({
  userId: z.string().min(1),
  patientId: z.string().regex(fhirIdPattern, 'must be a FHIR logical id (1-64 of A-Z a-z 0-9 - .)'),
  encounterId: z.string().min(1).optional(),
  draftOrders: draftOrdersSchema,
});

/** order-select 1.0 context: as order-sign, plus the `Type/id` references of the selected drafts. */
export const orderSelectContextSchema = orderSignContextSchema.extend({
  selections: z.array(z.string().min(1).max(200)).max(MAX_DRAFT_ORDERS),
});

export type OrderSignContext = z.infer<typeof orderSignContextSchema>;
export type OrderSelectContext = z.infer<typeof orderSelectContextSchema>;

// ---------------------------------------------------------------- feedback

// Feedback is stored: what a database would refuse is refused here, as a 400 naming the item.
/** Stored text: no NUL, and well-formed Unicode (a lone surrogate has no UTF-8 encoding). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storedText = () => text().refine((v) => !LONE_SURROGATE.test(v), 'must be well-formed Unicode (no lone surrogates)');

/** An offset timestamp whose UTC instant lies in years 0001–9999 (what SQL timestamp types hold). */
const storedTimestamp = () =>
  z.iso.datetime({ offset: true }).refine((v) => {
    const year = new Date(v).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, 'must lie in the years 0001-9999 once converted to UTC');

const codingSchema = z.looseObject({
  system: storedText().min(1).max(1000).optional(),
  code: storedText().min(1).max(1000),
  display: storedText().min(1).max(1000).optional(),
});

export const feedbackItemSchema = z
  .looseObject({
    card: storedText().min(1).max(256),
    outcome: z.enum(['accepted', 'overridden']),
    acceptedSuggestions: z.array(z.looseObject({ id: storedText().min(1).max(256) })).optional(),
    overrideReason: z
      .looseObject({
        // The sandbox sends a reason with code (+system) and no display.
        reason: codingSchema.optional(),
        userComment: storedText().max(10_000).optional(),
      })
      .optional(),
    outcomeTimestamp: storedTimestamp(),
  })
  .refine((item) => item.outcome !== 'accepted' || (item.acceptedSuggestions?.length ?? 0) > 0, {
    message: 'acceptedSuggestions is required when outcome is accepted',
    path: ['acceptedSuggestions'],
  });

export const feedbackRequestSchema = z.looseObject({
  feedback: z.array(feedbackItemSchema).min(1).max(1000),
});

export type FeedbackItem = z.infer<typeof feedbackItemSchema>;

// ---------------------------------------------------------------- response

const nonEmpty = z.string().min(1);
const absoluteUrl = z.url();

export const responseCodingSchema = z.strictObject({
  system: nonEmpty,
  code: nonEmpty,
  display: nonEmpty.optional(),
});

export const actionSchema = z
  .strictObject({
    type: z.enum(['create', 'update', 'delete']),
    description: nonEmpty,
    resource: z.looseObject({ resourceType: nonEmpty }).optional(),
    // CDS Hooks 2.0 § Action: one relative reference (`MedicationRequest/123`), a string, not an array.
    resourceId: z.string().regex(/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/, 'must be a relative reference Type/id').optional(),
  })
  .refine((a) => a.type === 'delete' || a.resource !== undefined, {
    message: 'create and update actions carry a resource',
    path: ['resource'],
  })
  .refine((a) => a.type !== 'delete' || a.resourceId !== undefined, {
    message: 'delete actions name the resource in resourceId',
    path: ['resourceId'],
  });

export const suggestionSchema = z.strictObject({
  label: nonEmpty,
  uuid: z.uuid().optional(),
  isRecommended: z.boolean().optional(),
  actions: z.array(actionSchema).min(1).optional(),
});

export const linkSchema = z
  .strictObject({
    label: nonEmpty,
    url: absoluteUrl,
    type: z.enum(['absolute', 'smart']),
    appContext: nonEmpty.optional(),
    autolaunchable: z.boolean().optional(),
  })
  .refine((l) => l.appContext === undefined || l.type === 'smart', {
    message: 'appContext is only allowed on smart links',
    path: ['appContext'],
  });

export const cardSchema = z
  .strictObject({
    uuid: z.uuid().optional(),
    summary: nonEmpty.max(139),
    detail: nonEmpty.optional(),
    indicator: z.enum(['info', 'warning', 'critical']),
    source: z.strictObject({
      label: nonEmpty,
      url: absoluteUrl.optional(),
      icon: absoluteUrl.optional(),
      topic: responseCodingSchema.optional(),
    }),
    suggestions: z.array(suggestionSchema).min(1).optional(),
    selectionBehavior: z.enum(['at-most-one', 'any']).optional(),
    overrideReasons: z.array(responseCodingSchema.required({ display: true })).min(1).optional(),
    links: z.array(linkSchema).min(1).optional(),
    extension: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((c) => c.suggestions === undefined || c.selectionBehavior !== undefined, {
    message: 'selectionBehavior is required when suggestions are present',
    path: ['selectionBehavior'],
  })
  .refine(
    (c) => c.selectionBehavior !== 'at-most-one' || (c.suggestions ?? []).filter((s) => s.isRecommended).length <= 1,
    { message: 'at most one suggestion may be recommended with at-most-one', path: ['suggestions'] },
  );

export const cdsResponseSchema = z.strictObject({
  cards: z.array(cardSchema),
  systemActions: z.array(actionSchema).min(1).optional(),
});

export type Card = z.infer<typeof cardSchema>;
export type Suggestion = z.infer<typeof suggestionSchema>;
export type Action = z.infer<typeof actionSchema>;
export type Link = z.infer<typeof linkSchema>;
export type CdsResponse = z.infer<typeof cdsResponseSchema>;

/**
 * CH-02: no null, "", [] or {} anywhere in a response, except `cards: []` at the top.
 * Returns the JSON paths of offending members (empty when the response is clean).
 */
export function findEmptyMembers(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (typeof value === 'string') return value === '' ? [path] : [];
  if (Array.isArray(value)) {
    if (value.length === 0 && path !== '$.cards') return [path];
    return value.flatMap((item, i) => findEmptyMembers(item, `${path}[${i}]`));
  }
  if (typeof value === 'object' && value !== undefined) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [path];
    return entries.flatMap(([k, v]) => (v === undefined ? [] : findEmptyMembers(v, `${path}.${k}`)));
  }
  return [];
}

/** Zod checks plus the CH-02 scan; throws with every problem listed. */
export function assertValidResponse(body: unknown): CdsResponse {
  const parsed = cdsResponseSchema.safeParse(body);
  const empties = findEmptyMembers(body);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
    ...empties.map((p) => `${p}: null or empty value (CH-02)`),
  ];
  if (problems.length > 0 || !parsed.success) {
    throw new Error(`Response is not valid CDS Hooks 2.0:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
