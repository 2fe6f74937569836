import request from 'supertest';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { hookRequest, observation, testApp } from '../helpers';

const FEEDBACK = '/cds-services/hypomagnesemia/feedback';

describe('POST /cds-services/hypomagnesemia/feedback (CH-43..CH-45)', () => {
  const store = new MemoryFeedbackStore();
  const { app } = testApp({ feedbackStore: store });

  async function issueCard() {
    const res = await request(app)
      .post('/cds-services/hypomagnesemia')
      .send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.5, unit: 'mg/dL' })] }));
    const card = res.body.cards[0];
    return { card: card.uuid as string, suggestion: card.suggestions[0].uuid as string };
  }

  test('accepted feedback for an issued card is stored and joined to its rules', async () => {
    const { card, suggestion } = await issueCard();
    const res = await request(app)
      .post(FEEDBACK)
      .send({ feedback: [{ card, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion }], outcomeTimestamp: '2026-11-22T12:09:24.932Z' }] });
    expect(res.status).toBe(200);
    const issued = await store.issuedCard(card);
    expect(issued).toMatchObject({ serviceId: 'hypomagnesemia', indicator: 'info', kind: 'replacement:mild' });
    expect(issued!.ruleIds).toContain('R-CLS-2');
    expect(issued!.suggestionUuids).toContain(suggestion);
    expect(await store.feedbackFor(card)).toEqual([expect.objectContaining({ outcome: 'accepted', acceptedSuggestions: [suggestion] })]);
  });

  test('the sandbox\'s overridden feedback (reason without display) is accepted, and repeating it is idempotent', async () => {
    const { card } = await issueCard();
    const body = {
      feedback: [
        {
          card,
          outcome: 'overridden',
          overrideReason: { reason: { code: 'already-treated', system: 'urn:magnesium-cds:override-reason' }, userComment: 'given this morning' },
          outcomeTimestamp: '2026-11-22T12:10:00Z',
        },
      ],
    };
    expect((await request(app).post(FEEDBACK).send(body)).status).toBe(200);
    expect((await request(app).post(FEEDBACK).send(body)).status).toBe(200);
    const stored = await store.feedbackFor(card);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.overrideReason).toEqual({ system: 'urn:magnesium-cds:override-reason', code: 'already-treated' });
  });

  test('a batch of three items is stored whole', async () => {
    const cards = await Promise.all([issueCard(), issueCard(), issueCard()]);
    const res = await request(app)
      .post(FEEDBACK)
      .send({ feedback: cards.map(({ card }) => ({ card, outcome: 'overridden', outcomeTimestamp: '2026-11-22T12:11:00Z' })) });
    expect(res.status).toBe(200);
    for (const { card } of cards) expect(await store.feedbackFor(card)).toHaveLength(1);
  });

  test.each([
    ['outcome rejected', { card: 'c', outcome: 'rejected', outcomeTimestamp: '2026-11-22T12:00:00Z' }, 'feedback.0.outcome'],
    ['accepted without acceptedSuggestions', { card: 'c', outcome: 'accepted', outcomeTimestamp: '2026-11-22T12:00:00Z' }, 'feedback.0.acceptedSuggestions'],
    ['no card', { outcome: 'overridden', outcomeTimestamp: '2026-11-22T12:00:00Z' }, 'feedback.0.card'],
    ['a timestamp that is not RFC 3339', { card: 'c', outcome: 'overridden', outcomeTimestamp: 'yesterday' }, 'feedback.0.outcomeTimestamp'],
    ['a NUL character in the card id', { card: 'c\u0000x', outcome: 'overridden', outcomeTimestamp: '2026-11-22T12:00:00Z' }, 'feedback.0.card'],
  ])('400 for %s', async (_name, item, field) => {
    const res = await request(app).post(FEEDBACK).send({ feedback: [item] });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toContain(field);
  });

  test('400 for an empty or missing feedback array and for a non-JSON body', async () => {
    expect((await request(app).post(FEEDBACK).send({ feedback: [] })).status).toBe(400);
    expect((await request(app).post(FEEDBACK).send({})).status).toBe(400);
    expect((await request(app).post(FEEDBACK).set('Content-Type', 'application/json').send('nope')).status).toBe(400);
  });
});
