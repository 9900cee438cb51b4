/**
 * CSV for the exports (items needing attention, the preview's lists): RFC 4180 quoting, and a leading quote on cells
 * a spreadsheet would run as a formula (a client named "=HYPERLINK(…)" must stay text when the office opens it).
 */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (value: string | number) => {
    let text = String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
