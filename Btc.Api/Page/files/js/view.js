// The view an address names (/app/coins/{id}?currency=…&window=…[&log=1]) and the reads that chart it.
const DAY = 86400;

export const WINDOWS = {
  '1h': { kind: 'line', seconds: 3600, label: 'the last hour' },
  '24h': { kind: 'line', seconds: DAY, label: 'the last 24 hours' },
  '7d': { kind: 'line', seconds: 7 * DAY, label: 'the last 7 days' },
  '30d': { kind: 'candles', seconds: 30 * DAY, interval: 'hour', period: 3600, label: 'the last 30 days' },
  '1y': { kind: 'candles', seconds: 365 * DAY, interval: 'day', period: DAY, label: 'the last year' },
  // The API serves windows of up to ten years.
  all: { kind: 'candles', seconds: 3650 * DAY, interval: 'day', period: DAY, label: 'all the years kept' },
};

/** The view in the page's address: coin ('' when none), currency, window and log scale. */
export function readAddress() {
  const match = location.pathname.match(/^\/app\/coins\/([^/]+)\/?$/);
  const query = new URLSearchParams(location.search);
  return {
    coin: match ? decodeURIComponent(match[1]) : '',
    currency: (query.get('currency') || 'usd').toLowerCase(),
    window: WINDOWS[query.get('window')] ? query.get('window') : '24h',
    log: query.get('log') === '1',
  };
}

/**
 * The window's start, on a whole minute: the same for every read made within a minute, so the page's early reads
 * and its chart's agree, and viewers of one coin share the API's cached answers.
 */
export function windowStart(w) {
  return Math.floor(Date.now() / 60000) * 60 - w.seconds;
}

/** The series reads that chart the view from a start: a line's polled and filled points, or the bars. */
export function seriesPaths(view, from) {
  const w = WINDOWS[view.window];
  const base = `/stock/${encodeURIComponent(view.coin)}/${encodeURIComponent(view.currency)}?from=${from}`;
  return w.kind === 'line'
    ? { polled: `${base}&source=polled`, filled: `${base}&interval=minute&source=filled` }
    : { bars: `${base}&interval=${w.interval}&fields=ohlc` };
}
