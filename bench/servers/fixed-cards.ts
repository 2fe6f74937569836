/**
 * The fixed answer of the baseline servers: one small, valid CDS Hooks card, about the size of a
 * typical info card. The baselines stand for "parse the same bytes, answer something".
 */
export const FIXED_CARDS = {
  cards: [
    {
      uuid: '6b1b1a7e-0a53-4b8e-9d59-0f3c9d2b5f10',
      summary: 'Low serum magnesium (1.4 mg/dL): consider oral magnesium replacement',
      indicator: 'warning',
      detail: 'Latest serum magnesium 1.4 mg/dL is below the reference range.',
      source: { label: 'Magnesium replacement advisor' },
    },
  ],
};

export const FIXED_CARDS_JSON = JSON.stringify(FIXED_CARDS);

/** Port from the environment (the harness picks a free one); 0 lets the OS choose. */
export function portFromEnv(): number {
  const port = Number(process.env.PORT ?? '0');
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0;
}
