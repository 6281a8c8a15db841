// --output table, after awscli/formatter.py (TableFormatter) and awscli/table.py (MultiTable): a
// boxed table titled with the operation name; a dict's scalars become one header row + one value row,
// lists of dicts one row each, nested lists/dicts indented sections ("||"). Tables wider than the
// terminal turn single-row sections vertical, as the AWS CLI does. No colours (output is not a tty
// in scripts; the AWS CLI also prints plain text there).
import { isPlainObject, pyStr } from './py.js';

export function formatTable(title: string, data: unknown, terminalWidth = 80): string {
  const table = new MultiTable(terminalWidth);
  if (!buildTable(table, title, data, 0)) return '';
  return table.render();
}

// --- building sections from the data (TableFormatter._build_table) ---

const isScalar = (v: unknown) => !Array.isArray(v) && !isPlainObject(v);
const truthy = (v: unknown) =>
  !(v === null || v === undefined || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) ||
    (isPlainObject(v) && Object.keys(v).length === 0));

function buildTable(table: MultiTable, title: string | undefined, current: unknown, indent: number): boolean {
  if (!truthy(current)) return false;
  if (title !== undefined) table.newSection(title, indent);
  if (Array.isArray(current)) {
    if (isPlainObject(current[0])) subTableFromList(table, current as Record<string, unknown>[], indent, title);
    else {
      for (const item of current) {
        if (isScalar(item)) table.addRow([item]);
        else if (Array.isArray(item) && item.every(isScalar)) table.addRow(item);
        else buildTable(table, undefined, item, 0);
      }
    }
  }
  if (isPlainObject(current)) subTableFromDict(table, current, indent);
  return true;
}

function groupScalarKeys(current: Record<string, unknown>): [string[], string[]] {
  const headers: string[] = [];
  const more: string[] = [];
  for (const key of Object.keys(current)) (isScalar(current[key]) ? headers : more).push(key);
  return [headers.sort(), more.sort()];
}

function subTableFromDict(table: MultiTable, current: Record<string, unknown>, indent: number): void {
  const [headers, more] = groupScalarKeys(current);
  if (headers.length === 1) table.addRow([headers[0], current[headers[0]!]]);
  else if (headers.length) {
    table.addHeader(headers);
    table.addRow(headers.map((k) => current[k]));
  }
  for (const key of more) buildTable(table, key, current[key], indent + 1);
}

function subTableFromList(table: MultiTable, current: Record<string, unknown>[], indent: number, title: string | undefined): void {
  const headerSet = new Set<string>();
  const moreSet = new Set<string>();
  for (const item of current) {
    if (!isPlainObject(item)) continue;
    const [h, m] = groupScalarKeys(item);
    h.forEach((k) => headerSet.add(k));
    m.forEach((k) => moreSet.add(k));
  }
  const headers = [...headerSet].sort();
  const more = [...moreSet].sort();
  table.addHeader(headers);
  let first = true;
  for (const element of current) {
    if (!isPlainObject(element)) continue;
    if (!first && more.length) {
      table.newSection(title ?? '', indent);
      table.addHeader(headers);
    }
    first = false;
    table.addRow(headers.map((h) => (h in element ? element[h] : '')));
    for (const key of more) if (key in element) buildTable(table, key, element[key], indent + 1);
  }
}

// --- rendering (awscli/table.py) ---

/** Display width: East Asian wide/fullwidth characters count two. */
function textLength(text: string): number {
  let n = 0;
  for (const ch of text) n += isWide(ch.codePointAt(0)!) ? 2 : 1;
  return n;
}
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

class Section {
  title = '';
  headers: string[] = [];
  rows: string[][] = [];
  indent = 0;
  private numCols: number | undefined;
  private maxWidths: number[] = [];

  addHeader(headers: string[]): void {
    this.updateWidths(headers);
    if (this.numCols === undefined) this.numCols = headers.length;
    this.headers = headers;
  }

  addRow(row: unknown[]): void {
    if (this.numCols === undefined) this.numCols = row.length;
    if (row.length !== this.numCols) throw new Error(`Row should have ${this.numCols} elements, instead it has ${row.length}`);
    const cells = row.map(pyStr);
    this.rows.push(cells);
    this.updateWidths(cells);
  }

  private updateWidths(row: string[]): void {
    if (!this.maxWidths.length) this.maxWidths = row.map(textLength);
    else row.forEach((el, i) => (this.maxWidths[i] = Math.max(textLength(el), this.maxWidths[i] ?? 0)));
  }

  columnWidths(padding = 0, maxWidth?: number): number[] {
    const unscaled = this.maxWidths.map((w) => w + padding);
    if (maxWidth === undefined || !unscaled.length) return unscaled;
    const factor = maxWidth / unscaled.reduce((a, b) => a + b, 0);
    const scaled = unscaled.map((w) => pyRound(factor * w));
    let off = scaled.reduce((a, b) => a + b, 0) - maxWidth;
    while (off !== 0) {
      const order = [...scaled.keys()];
      if (off < 0) order.reverse();
      for (const i of order) {
        if (off > 0) {
          scaled[i]!--;
          off--;
        } else {
          scaled[i]!++;
          off++;
        }
        if (off === 0) break;
      }
    }
    return scaled;
  }

  totalWidth(padding: number, outer: number): number {
    let total = 0;
    for (const w of this.columnWidths()) total += w + padding;
    total += 2 + outer * 2;
    return Math.max(textLength(this.title) + 2 + outer * 2, total);
  }
}

/** Python 3's round(): half to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function centerText(text: string, length: number, left: string, right: string): string {
  const tl = textLength(text);
  const start = Math.floor(length / 2) - Math.floor(tl / 2) - 1;
  const soFar = left.length + start + tl; // as awscli computes it, even when start < 0
  return left + ' '.repeat(Math.max(start, 0)) + text + ' '.repeat(Math.max(length - right.length - soFar, 0)) + right;
}

function alignLeft(text: string, length: number, left: string, right: string): string {
  const tl = textLength(text);
  const padding = length - (tl + 2 + left.length + right.length) >= 0 ? 2 : 0;
  const soFar = left.length + padding + tl;
  return left + ' '.repeat(padding) + text + ' '.repeat(Math.max(length - soFar - right.length, 0)) + right;
}

class MultiTable {
  private sections: Section[] = [];
  private current: Section | undefined;

  constructor(private readonly terminalWidth: number) {}

  newSection(title: string, indent: number): void {
    this.current = new Section();
    this.current.title = title;
    this.current.indent = indent;
    this.sections.push(this.current);
  }
  addHeader(headers: string[]): void {
    this.section().addHeader(headers);
  }
  addRow(row: unknown[]): void {
    this.section().addRow(row);
  }
  private section(): Section {
    if (!this.current) this.newSection('', 0);
    return this.current!;
  }

  render(): string {
    let max = this.maxWidth();
    if (max > this.terminalWidth) {
      this.sections = this.sections.map(verticalIfSingleRow);
      max = this.maxWidth();
    }
    const out: string[] = [`${'-'.repeat(max)}\n`];
    for (const s of this.sections) this.renderSection(s, max, out);
    return out.join('');
  }

  private maxWidth(): number {
    return Math.max(...this.sections.map((s) => s.totalWidth(4, s.indent)));
  }

  private renderSection(s: Section, maxWidth: number, out: string[]): void {
    const bar = '|'.repeat(s.indent);
    const write = (line: string) => out.push(`${bar}${line}${bar}\n`);
    const width = maxWidth - s.indent * 2;
    if (s.title) {
      write(centerText(s.title, width, '|', '|'));
      if (!s.headers.length && !s.rows.length) write(`+${'-'.repeat(width - 2)}+`);
    }
    if (s.headers.length) {
      const widths = s.columnWidths(4, width);
      write(lineBreak(widths));
      write(s.headers.map((h, i) => centerText(h, widths[i]!, i === 0 ? '|' : '', '|')).join(''));
    }
    if (s.rows.length) {
      const widths = s.columnWidths(4, width);
      if (!widths.length) return;
      write(lineBreak(widths));
      for (const row of s.rows) write(row.map((cell, i) => alignLeft(cell, widths[i]!, i === 0 ? '|' : '', '|')).join(''));
      write(lineBreak(widths));
    }
  }
}

function lineBreak(widths: number[]): string {
  return widths.map((w, i) => (i === 0 ? `+${'-'.repeat(Math.max(w - 2, 0))}+` : `${'-'.repeat(Math.max(w - 1, 0))}+`)).join('');
}

function verticalIfSingleRow(s: Section): Section {
  if (s.rows.length !== 1 || !s.headers.length) return s;
  const v = new Section();
  v.title = s.title;
  v.indent = s.indent;
  s.headers.forEach((h, i) => v.addRow([h, s.rows[0]![i]]));
  return v;
}
