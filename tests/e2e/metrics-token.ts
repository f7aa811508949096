/** The METRICS_TOKEN the end-to-end server runs with (serve.ts), so the suite can scrape /api/metrics. */
export const E2E_METRICS_TOKEN = 'e2e-metrics-token-0123456789abcdef';
