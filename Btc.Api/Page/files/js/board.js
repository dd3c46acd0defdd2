// The volatility board: the most (or least) volatile coins in the chart's currency, each row opening its chart.
import { get } from './api.js';
import { formatTime } from './chart.js';

export class Board {
  constructor(table, message, measure, orderButtons, open) {
    Object.assign(this, { table, message, measure, orderButtons, open });
    this.order = 'desc';
    this.currency = 'usd';
    measure.addEventListener('change', () => this.load());
    for (const button of orderButtons) {
      button.addEventListener('click', () => {
        this.order = button.dataset.order;
        this.load();
      });
    }
  }

  show(currency) {
    if (currency === this.currency && this.loaded) return;
    this.currency = currency;
    this.load();
  }

  async load() {
    for (const b of this.orderButtons) b.setAttribute('aria-pressed', String(b.dataset.order === this.order));
    const asked = `${this.currency}|${this.measure.value}|${this.order}`;
    this.asked = asked;
    try {
      const board = await get(`/volatility?currency=${encodeURIComponent(this.currency)}` +
        `&measure=${this.measure.value}&order=${this.order}&limit=20`);
      if (this.asked !== asked) return;
      this.loaded = true;
      this.render(board);
    } catch (e) {
      if (this.asked !== asked) return;
      this.table.hidden = true;
      this.message.textContent = e.status === 404
        ? `“${this.currency}” is not a currency BTC stores prices in.`
        : `The volatility board could not be read: ${e.message}`;
    }
  }

  render(board) {
    const currency = board.currency.toUpperCase();
    if (!board.as_of || !board.coins.length) {
      // Before the first ranks (a new install's first cycle), or too few prices in the currency to rank a coin.
      this.table.hidden = true;
      this.message.textContent = `No coin is ranked in ${currency} yet: ranks follow a poll cycle's prices.`;
      return;
    }
    const asOf = document.createElement('time');
    asOf.dateTime = board.as_of;
    asOf.textContent = formatTime(Date.parse(board.as_of) / 1000);
    this.message.replaceChildren(`${board.coins.length} of ${board.out_of} coins in ${currency}, over the 24 hours ` +
      'to ', asOf, '.');
    const rows = board.coins.map(coin => {
      const tr = document.createElement('tr');
      const rank = document.createElement('td');
      rank.textContent = coin.rank;
      const name = document.createElement('td');
      const link = document.createElement('a');
      link.href = `/app/coins/${encodeURIComponent(coin.id)}?currency=${encodeURIComponent(this.currency)}`;
      link.textContent = `${coin.name} (${coin.symbol.toUpperCase()})`;
      link.addEventListener('click', e => {
        e.preventDefault();
        this.open(coin.id, link.textContent);
      });
      name.append(link);
      const value = document.createElement('td');
      value.className = 'num';
      value.textContent = coin.volatility.toPrecision(3);
      tr.append(rank, name, value);
      return tr;
    });
    this.table.tBodies[0].replaceChildren(...rows);
    this.table.hidden = false;
  }
}
