// The health strip: the last poll cycle (its age and outcome; stale said so), CoinGecko calls used this minute and
// this month, and gap filling's progress.
import { get } from './api.js';

const age = seconds => seconds < 90 ? `${Math.round(seconds)} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min`
  : seconds < 172800 ? `${Math.round(seconds / 3600)} h` : `${Math.round(seconds / 86400)} days`;

export class Health {
  constructor(cycle, budget, backfill) {
    Object.assign(this, { cycle, budget, backfill });
    this.everyMinutes = 1;
  }

  async refresh() {
    await Promise.all([this.readBudget(), this.readCycle()]);
  }

  async readBudget() {
    try {
      const b = await get('/budget');
      this.everyMinutes = b.cadence?.everyMinutes || 1;
      const limit = n => (n == null ? '' : ` of ${n.toLocaleString()}`);
      const stretched = b.cadence?.stretched ? `, stretched to every ${this.everyMinutes} min to last the month` : '';
      this.budget.textContent = `CoinGecko calls: ${b.minute.used}${limit(b.minute.limit)} this minute, ` +
        `${b.month.used.toLocaleString()}${limit(b.month.limit)} this month${stretched}.`;
      this.backfill.textContent = b.backfill.tasks === 0
        ? 'Gap filling: nothing to fill.'
        : `Gap filling: ${b.backfill.percent}% done, ${b.backfill.gapsOpen} gaps open, ` +
          `${b.backfill.points.toLocaleString()} points filled.`;
    } catch (e) {
      this.budget.textContent = `CoinGecko calls: unknown (${e.message})`;
      this.backfill.textContent = '';
    }
  }

  async readCycle() {
    try {
      const [last] = await get('/cycles?count=1');
      if (!last) {
        this.cycle.textContent = 'Last poll cycle: none yet.';
        this.cycle.className = 'stale';
        return;
      }
      const at = Date.parse(last.finishedAt ?? last.startedAt ?? last.scheduledFor);
      const seconds = Math.max(0, (Date.now() - at) / 1000);
      // Stale: more than three cadences without a cycle, as the chart draws a gap.
      const stale = seconds > 3 * this.everyMinutes * 60 + 60;
      this.cycle.textContent = `Last poll cycle: ${age(seconds)} ago, ${last.outcome}` +
        (stale ? ' — stale: polling has stopped or fallen behind.' : '.');
      this.cycle.className = stale || last.outcome === 'failed' ? 'stale' : 'fresh';
    } catch (e) {
      this.cycle.textContent = `Last poll cycle: unknown (${e.message})`;
      this.cycle.className = 'stale';
    }
  }
}
