/** Rendering rows as a table (cli-table3), JSON or CSV. */
import Table from 'cli-table3'
import type { OutputFormat } from './output-format.js'

export type { OutputFormat } from './output-format.js'

/** Colours only on a terminal, and never with NO_COLOR set (no-color.org): a piped table carries no escape codes. */
function terminalColors(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
}

export function render(rows: Record<string, unknown>[], columns: string[], format: OutputFormat, colors = terminalColors()): string {
  if (format === 'json') return JSON.stringify(rows, null, 2)
  if (format === 'csv') return [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n')
  const table = new Table({ head: columns, ...(colors ? {} : { style: { head: [], border: [] } }) })
  for (const row of rows) table.push(columns.map((c) => cellText(row[c])))
  return table.toString()
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (value instanceof Date) return value.toISOString()
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** Quotes a CSV cell, and defuses spreadsheet formulas (CSV injection), as CloudTrail's console warns of. */
function csvCell(value: unknown): string {
  let text = cellText(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
