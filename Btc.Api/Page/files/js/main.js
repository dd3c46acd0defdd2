// The page: its address is its state (/app/coins/{id}?currency=…&window=…[&log=1]); back and forward redraw.
import { get, key, onKeyNeeded } from './api.js';
import { PriceChart, formatPrice, formatTime } from './chart.js';
import { LiveFeed } from './live.js';
import { setUpSearch } from './search.js';
import { Board } from './board.js';
import { Health } from './health.js';
import { WINDOWS, readAddress as addressed, seriesPaths, windowStart } from './view.js';

const $ = id => document.getElementById(id);
const state = { coin: '', currency: 'usd', window: '24h', log: false };
const names = {};
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const chart = new PriceChart($('chart'));
const health = new Health($('health-cycle'), $('health-budget'), $('health-backfill'));
const board = new Board($('board-table'), $('board-message'), $('measure'),
  document.querySelectorAll('[data-order]'), open);
let loads = 0;
let live = null;
let retry = 0;
let cadenceRead = health.readBudget();

// What the tests and the benchmark read back: the view drawn and the points of its series.
window.btcChart = {
  view: '', from: 0, drawn: 0, live: 0, points: () => chart.points(), priceAxis: () => chart.priceAxis(),
};

function readAddress() {
  Object.assign(state, addressed());
}

function address() {
  const query = new URLSearchParams({ currency: state.currency, window: state.window });
  if (state.log) query.set('log', '1');
  return `/app/coins/${encodeURIComponent(state.coin)}?${query}`;
}

function open(id, label) {
  if (label) names[id] = label;
  go({ coin: id });
}

/** The coin's name and symbol for the heading when the page was opened by an address that gives only its id. */
async function nameCoin(id) {
  if (!id || names[id]) return;
  try {
    const [coin] = await get(`/coins?search=${encodeURIComponent(id)}&limit=1`);
    if (coin?.id !== id || !coin.name) return;
    names[id] = `${coin.name} (${coin.symbol.toUpperCase()})`;
    if (state.coin === id) showTitle();
  } catch {
    // The heading keeps the id; the chart says what went wrong.
  }
}

function showTitle() {
  const title = names[state.coin] || state.coin;
  $('coin-title').textContent = title;
  document.title = `${title}: ${state.currency.toUpperCase()} prices — BTC`;
}

function go(change) {
  Object.assign(state, change);
  history.pushState(null, '', address());
  render();
}

function say(sentence) {
  $('message').textContent = sentence;
}

function render() {
  for (const b of document.querySelectorAll('[data-window]')) {
    b.setAttribute('aria-pressed', String(b.dataset.window === state.window));
  }
  $('log').checked = state.log;
  chart.setLog(state.log);
  ensureCurrency(state.currency);
  $('currency').value = state.currency;
  showTitle();
  // The chart's series first: on a cold API the board and the coin's name would compete with them.
  return loadChart().finally(() => {
    nameCoin(state.coin);
    board.show(state.currency);
  });
}

function ensureCurrency(code) {
  const select = $('currency');
  if ([...select.options].some(o => o.value === code)) return;
  select.add(new Option(code.toUpperCase(), code));
}

async function loadCurrencies() {
  try {
    const codes = await get('/currencies');
    const select = $('currency');
    select.replaceChildren(...codes.map(c => new Option(c.toUpperCase(), c)));
  } catch {
    // The picker keeps the currencies it has (usd and the address's); the chart says what a currency lacks.
    ['usd', 'eur'].forEach(ensureCurrency);
  }
  ensureCurrency(state.currency);
  $('currency').value = state.currency;
}

function stopLive() {
  live?.stop();
  live = null;
  $('live').textContent = '';
}

/** The series' points, or [] when the window has none; other failures are thrown as sentences. */
async function points(path) {
  try {
    return await get(path);
  } catch (e) {
    if (e.status === 404 && e.title === 'No prices in the window') return [];
    throw e;
  }
}

function failed(e, w) {
  const coin = state.coin;
  const currency = state.currency.toUpperCase();
  if (e.title === 'Unknown coin') return `No coin has the id “${coin}”. Find one with the search box.`;
  if (e.title === 'Unknown currency') return `“${state.currency}” is not a currency BTC stores prices in.`;
  if (e.title === 'none') return `${names[coin] || coin} has no prices in ${currency} over ${w.label}.`;
  return e.message;
}

async function loadChart() {
  const mine = ++loads;
  clearTimeout(retry);
  stopLive();
  const w = WINDOWS[state.window];
  const view = `${state.coin}|${state.currency}|${state.window}`;
  window.btcChart.view = '';
  if (!state.coin) return;
  say(`Loading ${state.currency.toUpperCase()} prices over ${w.label}…`);
  const from = windowStart(w);
  window.btcChart.from = from;
  const paths = seriesPaths(state, from);
  try {
    const last = w.kind === 'line' ? await drawLine(paths, w, mine) : await drawCandles(paths, w, mine);
    if (mine !== loads) return;
    $('chart').parentElement.hidden = false;
    say('');
    headline(last);
    window.btcChart.view = view;
    window.btcChart.drawnAt = performance.now();
    window.btcChart.drawn++;
    live = new LiveFeed(state.coin, state.currency, w.kind === 'line' ? last?.[0] : undefined, livePrice,
      sentence => { $('live').textContent = sentence; });
  } catch (e) {
    if (mine !== loads || e.name === 'AbortError') return;
    chart.clear();
    $('chart').parentElement.hidden = true;
    headline(null);
    say(failed(e, w));
    if (e.status === 0 || e.status >= 500 || e.status === 429) retry = setTimeout(loadChart, 60_000);
  }
}

async function drawLine(paths, w, mine) {
  // The cadence (for what counts as a gap) is read alongside the series, not before them.
  const [, polled, filled] = await Promise.all([
    cadenceRead,
    points(paths.polled),
    // Filled points live in the minute series only: a window the minute samples no longer hold has none.
    points(paths.filled).catch(e => (e.status === 400 ? [] : Promise.reject(e))),
  ]);
  if (mine !== loads) return null;
  if (!polled.length && !filled.length) throw { title: 'none' };
  const gap = 3 * health.everyMinutes * 60;
  chart.showLine(polled, filled, gap);
  $('chart-caption').textContent = `${state.currency.toUpperCase()} prices over ${w.label}, times in your zone ` +
    `(${zone}). Line: prices the poll cycles stored, broken where none came for over ${gap / 60} minutes. ` +
    (filled.length ? 'Dots: points filled from CoinGecko’s history where no cycle polled.' : '');
  const lastPolled = polled.at(-1);
  const lastFilled = filled.at(-1);
  return !lastFilled || (lastPolled && lastPolled[0] >= lastFilled[0]) ? lastPolled : lastFilled;
}

async function drawCandles(paths, w, mine) {
  const bars = await points(paths.bars);
  if (mine !== loads) return null;
  if (!bars.length) throw { title: 'none' };
  chart.showCandles(bars, w.period);
  $('chart-caption').textContent = `${w.interval === 'hour' ? 'Hour' : 'Day'} bars (open, high, low, close) ` +
    `in ${state.currency.toUpperCase()} over ${w.label}, times in your zone (${zone}).`;
  const lastBar = bars.at(-1);
  return [lastBar[0], lastBar[4]];
}

function headline(point) {
  $('price').textContent = point ? `${formatPrice(point[1])} ${state.currency.toUpperCase()}` : '';
  $('price-time').textContent = point ? `at ${formatTime(point[0])}` : '';
}

function livePrice(point) {
  if (chart.add(point)) window.btcChart.live++;
  headline(point);
}

async function defaultCoin() {
  try {
    const top = await get(`/volatility?currency=${state.currency}&limit=1`);
    return top.coins[0]?.id || 'bitcoin';
  } catch {
    return 'bitcoin';
  }
}

function setUpKey() {
  const form = $('key-form');
  onKeyNeeded(sentence => {
    $('key-reason').textContent = sentence;
    if (form.hidden) {
      form.hidden = false;
      $('key-input').focus();
    }
  });
  form.addEventListener('submit', e => {
    e.preventDefault();
    key.set($('key-input').value.trim());
    $('key-input').value = '';
    form.hidden = true;
    cadenceRead = health.readBudget();
    loadCurrencies();
    board.loaded = false;
    render();
    health.refresh();
  });
  $('key-forget').addEventListener('click', () => {
    key.forget();
    $('key-reason').textContent = 'The key is forgotten: this browser keeps none now.';
  });
}

function setUpControls() {
  for (const b of document.querySelectorAll('[data-window]')) {
    b.addEventListener('click', () => go({ window: b.dataset.window }));
  }
  $('currency').addEventListener('change', e => go({ currency: e.target.value }));
  $('log').addEventListener('change', e => go({ log: e.target.checked }));
  addEventListener('popstate', () => {
    readAddress();
    render();
  });
  setUpSearch($('search'), $('search-results'), $('search-status'), open);
}

async function start() {
  setUpKey();
  setUpControls();
  readAddress();
  if (!state.coin) {
    state.coin = await defaultCoin();
    history.replaceState(null, '', address());
  }
  // The picker shows the address's currency until the list comes, after the chart (the budget is read already).
  await render();
  loadCurrencies();
  health.readCycle();
  setInterval(() => health.refresh(), 30_000);
}

start();
