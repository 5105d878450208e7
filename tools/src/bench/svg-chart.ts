/**
 * Bar charts as inline SVG, so that the HTML report needs no script and no network: grouped
 * vertical bars (optionally on a log scale, with a whisker from each bar up to a second
 * value) and horizontal bars.
 */
export interface Bar {
  readonly series: string;
  readonly value: number;
  /** A second, higher value drawn as a whisker above the bar (p99 over a p50 bar). */
  readonly whisker?: number;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

export interface GroupedBarChart {
  readonly title: string;
  /** The y axis's unit, shown beside it. */
  readonly unit: string;
  readonly series: readonly string[];
  readonly groups: readonly BarGroup[];
  /** Values spanning several orders of magnitude (latencies of polling beside push) read better on a log scale. */
  readonly logScale?: boolean;
}

const PALETTE = ["#2f6db3", "#e07b24", "#3a9a48", "#b8413c", "#7d5bb5", "#8a6a3b", "#c95fa8"];
const colorOf = (series: readonly string[], name: string): string => PALETTE[series.indexOf(name) % PALETTE.length]!;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Short figures for labels: 1.2k, 35, 0.84. */
function shortNumber(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e4 ? 0 : 1)}k`;
  if (value >= 10) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toPrecision(2);
}

/** Round steps for a linear axis up to `max`: 1, 2 or 5 times a power of ten. */
function linearTicks(max: number): number[] {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let t = 0; t <= max + step / 2; t += step) ticks.push(t);
  return ticks;
}

interface Scale {
  readonly ticks: number[];
  /** 0 at the bottom of the plot, 1 at the top. */
  readonly position: (value: number) => number;
}

function scaleFor(values: readonly number[], logScale: boolean): Scale {
  const positive = values.filter((v) => v > 0);
  if (logScale && positive.length > 0) {
    const low = Math.floor(Math.log10(Math.min(...positive)));
    const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...positive))));
    const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
    return { ticks, position: (v) => (v <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(v) - low) / (high - low)))) };
  }
  const ticks = linearTicks(Math.max(...values, 1e-9));
  const top = ticks[ticks.length - 1]!;
  return { ticks, position: (v) => Math.max(0, v) / top };
}

/** The series' colour keys, wrapped into rows that fit `width`; its height. */
function legend(series: readonly string[], x: number, y: number, width: number): { svg: string; height: number } {
  let offset = 0;
  let row = 0;
  const items = series.map((name) => {
    const itemWidth = 24 + name.length * 6.5;
    if (offset > 0 && offset + itemWidth > width) [offset, row] = [0, row + 1];
    const top = y + row * 16;
    const item = `<rect x="${x + offset}" y="${top - 9}" width="10" height="10" fill="${colorOf(series, name)}"/><text x="${x + offset + 14}" y="${top}">${escapeXml(name)}</text>`;
    offset += itemWidth;
    return item;
  });
  return { svg: items.join(""), height: (row + 1) * 16 };
}

export function groupedBarChart(chart: GroupedBarChart): string {
  const barWidth = 22;
  const groupGap = 28;
  const left = 64;
  const plotHeight = 240;
  const groupWidths = chart.groups.map((g) => Math.max(1, g.bars.length) * barWidth);
  const width = Math.max(560, left + groupWidths.reduce((a, b) => a + b + groupGap, groupGap) + 20);
  const key = legend(chart.series, left, 38, width - left - 10);
  const top = 34 + key.height + 14;
  const height = top + plotHeight + 48;
  const scale = scaleFor(
    chart.groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.whisker ?? 0])),
    chart.logScale ?? false,
  );
  const y = (v: number): number => top + plotHeight - scale.position(v) * plotHeight;

  const axis = scale.ticks
    .map(
      (t) =>
        `<line x1="${left}" x2="${width - 10}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${shortNumber(t)}</text>`,
    )
    .join("");
  let x = left + groupGap;
  const groups = chart.groups.map((group, g) => {
    const bars = group.bars.map((bar, i) => {
      const bx = x + i * barWidth;
      const whisker =
        bar.whisker !== undefined && bar.whisker > bar.value
          ? `<line x1="${bx + barWidth / 2}" x2="${bx + barWidth / 2}" y1="${y(bar.value)}" y2="${y(bar.whisker)}" stroke="#333"/>` +
            `<line x1="${bx + 4}" x2="${bx + barWidth - 4}" y1="${y(bar.whisker)}" y2="${y(bar.whisker)}" stroke="#333"/>`
          : "";
      const label = `<text x="${bx + barWidth / 2}" y="${y(bar.whisker ?? bar.value) - 4}" text-anchor="middle" class="v">${shortNumber(bar.value)}</text>`;
      return (
        `<rect x="${bx + 1}" y="${y(bar.value)}" width="${barWidth - 2}" height="${Math.max(0, top + plotHeight - y(bar.value))}" fill="${colorOf(chart.series, bar.series)}">` +
        `<title>${escapeXml(`${group.label}, ${bar.series}: ${bar.value}${bar.whisker !== undefined ? ` (to ${bar.whisker})` : ""} ${chart.unit}`)}</title></rect>${whisker}${label}`
      );
    });
    const center = x + groupWidths[g]! / 2;
    x += groupWidths[g]! + groupGap;
    return `${bars.join("")}<text x="${center}" y="${top + plotHeight + 18}" text-anchor="middle">${escapeXml(group.label)}</text>`;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(chart.title)}">` +
    `<text x="${left}" y="18" class="t">${escapeXml(chart.title)}</text>${key.svg}${axis}` +
    `<text x="14" y="${top + plotHeight / 2}" transform="rotate(-90 14 ${top + plotHeight / 2})" text-anchor="middle">${escapeXml(chart.unit)}${chart.logScale ? " (log)" : ""}</text>` +
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#888"/>${groups.join("")}</svg>`
  );
}

/** One horizontal bar per item, labelled with its formatted value. */
export function horizontalBarChart(title: string, items: readonly { label: string; value: number; text: string }[]): string {
  const labelWidth = 300;
  const plotWidth = 360;
  const rowHeight = 28;
  const top = 30;
  const height = top + items.length * rowHeight + 10;
  const width = labelWidth + plotWidth + 110;
  const max = Math.max(...items.map((i) => i.value), 1e-9);
  const rows = items.map((item, i) => {
    const y = top + i * rowHeight;
    const w = (item.value / max) * plotWidth;
    return (
      `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escapeXml(item.label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 4}" width="${w}" height="${rowHeight - 8}" fill="${PALETTE[i % PALETTE.length]}"/>` +
      `<text x="${labelWidth + w + 6}" y="${y + 17}">${escapeXml(item.text)}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">` +
    `<text x="8" y="18" class="t">${escapeXml(title)}</text>${rows.join("")}</svg>`
  );
}
