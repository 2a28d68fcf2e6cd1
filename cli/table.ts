/** A plain-text table: columns padded to their widest cell, two spaces apart, the last cell unpadded. */
export function formatTable(titles: readonly string[], rows: readonly (readonly string[])[]): string {
  // East Asian wide characters take two columns on a terminal.
  const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1), 0);
  const widths = titles.map((title, i) => Math.max(width(title), ...rows.map((row) => width(row[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - width(cell))))
      .join('  ')
      .trimEnd();
  return [line(titles), ...rows.map(line)].join('\n');
}
