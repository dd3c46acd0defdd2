// The chart: a line of minute samples (polled) with the filled points as dots, or candlesticks of bars.
// Times stay unix seconds; only the labels are drawn in the viewer's time zone.
import { createChart, LineSeries, CandlestickSeries, PriceScaleMode } from 'lightweight-charts';

const timeLabel = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const clockLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const yearLabel = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short' });

/** Decimals enough to show a price to four significant digits (two for a dollar or more), at most twelve. */
function fractionDigits(value) {
  const digits = Math.abs(value) >= 1 ? 2 : Math.max(2, 1 - Math.floor(Math.log10(Math.abs(value) || 1)) + 3);
  return Math.min(digits, 12);
}

export function formatPrice(value) {
  return value.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: fractionDigits(value) });
}

/**
 * The series' price steps as fine as the labels: the default steps are cents, which leave a coin under a dollar one
 * tick mark on the axis, or none.
 */
function priceFormat(values) {
  const digits = fractionDigits(values.reduce((low, v) => Math.min(low, Math.abs(v)), Infinity));
  return { type: 'price', precision: digits, minMove: 10 ** -digits };
}

export const formatTime = seconds => timeLabel.format(seconds * 1000);

function tick(seconds, type) {
  const at = seconds * 1000;
  // 0 year, 1 month, 2 day of month, 3 time, 4 time with seconds (Lightweight Charts' TickMarkType).
  return type <= 1 ? yearLabel.format(at) : type === 2 ? dayLabel.format(at) : clockLabel.format(at);
}

function colours() {
  const style = getComputedStyle(document.documentElement);
  const v = name => style.getPropertyValue(name).trim();
  return { text: v('--text'), background: v('--surface'), grid: v('--grid'), line: v('--line'),
    filled: v('--filled'), up: v('--up'), down: v('--down') };
}

export class PriceChart {
  constructor(element) {
    this.element = element;
    this.series = {};
    this.kind = null;
    this.chart = createChart(element, {
      autoSize: true,
      localization: { timeFormatter: formatTime, priceFormatter: formatPrice },
      timeScale: { timeVisible: true, tickMarkFormatter: tick },
      rightPriceScale: { borderVisible: false },
    });
    this.applyColours();
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.applyColours());
  }

  applyColours() {
    const c = colours();
    this.chart.applyOptions({
      layout: { background: { color: c.background }, textColor: c.text },
      grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
    });
    this.series.polled?.applyOptions({ color: c.line });
    this.series.filled?.applyOptions({ color: c.filled });
    this.series.candles?.applyOptions({ upColor: c.up, downColor: c.down, wickUpColor: c.up, wickDownColor: c.down,
      borderVisible: false });
  }

  setLog(on) {
    this.chart.priceScale('right').applyOptions({ mode: on ? PriceScaleMode.Logarithmic : PriceScaleMode.Normal });
  }

  clear() {
    for (const s of Object.values(this.series)) this.chart.removeSeries(s);
    this.series = {};
    this.kind = null;
  }

  /** Polled samples as a line broken where no cycle polled for longer than gapSeconds; filled points as dots. */
  showLine(polled, filled, gapSeconds) {
    this.clear();
    this.kind = 'line';
    this.gapSeconds = gapSeconds;
    const format = priceFormat([...polled, ...filled].map(p => p[1]));
    this.series.polled = this.chart.addSeries(LineSeries, { lineWidth: 2, title: '', priceFormat: format });
    this.series.filled = this.chart.addSeries(LineSeries, {
      priceFormat: format, lineVisible: false, pointMarkersVisible: true, pointMarkersRadius: 2.5,
      lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: true,
    });
    this.applyColours();
    const data = withGaps(polled, gapSeconds);
    this.breaks = data.filter(p => p.value === undefined).map(p => p.time);
    this.series.polled.setData(data);
    this.series.filled.setData(filled.map(([time, value]) => ({ time, value })));
    this.chart.timeScale().fitContent();
  }

  /** Bars as [start, open, high, low, close, mean, count]. */
  showCandles(bars, periodSeconds) {
    this.clear();
    this.kind = 'candles';
    this.period = periodSeconds;
    this.series.candles = this.chart.addSeries(CandlestickSeries, { priceFormat: priceFormat(bars.map(b => b[3])) });
    this.applyColours();
    this.series.candles.setData(bars.map(([time, open, high, low, close]) => ({ time, open, high, low, close })));
    this.chart.timeScale().fitContent();
  }

  /** A new polled price: the line's next point (after a gap's break when it came late), or the current bar. */
  add([time, value]) {
    if (this.kind === 'line') {
      const data = this.series.polled.data();
      const last = data.at(-1);
      if (last && time <= last.time) return false;
      if (last && time - last.time > this.gapSeconds) {
        this.series.polled.update({ time: last.time + 1 });
        this.breaks.push(last.time + 1);
      }
      this.series.polled.update({ time, value });
      return true;
    }
    if (this.kind === 'candles') {
      const last = this.series.candles.data().at(-1);
      const start = time - (time % this.period);
      if (last && start < last.time) return false;
      if (last && start === last.time) {
        this.series.candles.update({ time: start, open: last.open, high: Math.max(last.high, value),
          low: Math.min(last.low, value), close: value });
      } else {
        this.series.candles.update({ time: start, open: value, high: value, low: value, close: value });
      }
      return true;
    }
    return false;
  }

  /** What is drawn, read back from the chart (for the page's tests and benchmark). */
  points() {
    return {
      kind: this.kind,
      breaks: this.kind === 'line' ? this.breaks.filter(t => this.isBreak(t)) : [],
      polled: this.series.polled?.data() ?? [],
      filled: this.series.filled?.data() ?? [],
      candles: this.series.candles?.data() ?? [],
    };
  }

  /**
   * The right price axis (for the page's tests): the width the chart wants for its labels, and the width the page
   * lays its cell out at (the last cell of the chart's own table).
   */
  priceAxis() {
    const cells = this.element.querySelector('table tr')?.cells;
    return {
      wanted: this.chart.priceScale('right').width(),
      drawn: cells?.length ? cells[cells.length - 1].getBoundingClientRect().width : 0,
    };
  }

  /** Whether the chart holds a place at this time where the line has no value (series' data() skips those). */
  isBreak(time) {
    const index = this.chart.timeScale().timeToIndex(time, false);
    return index !== null && this.series.polled.dataByIndex(index, 0) === null;
  }
}

/** A whitespace point (no value: the line breaks) after each point followed by none for longer than gapSeconds. */
export function withGaps(points, gapSeconds) {
  const data = [];
  for (let i = 0; i < points.length; i++) {
    const [time, value] = points[i];
    if (i > 0 && time - points[i - 1][0] > gapSeconds) data.push({ time: points[i - 1][0] + 1 });
    data.push({ time, value });
  }
  return data;
}
