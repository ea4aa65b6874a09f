/**
 * How a section prints: one cli-table3 table of measured figures, each with its baseline,
 * the ratio to it and, where the project has a target, PASS or FAIL. A missed target is
 * reported, never turned into a non-zero exit: machines are shared and noisy.
 */
import Table from 'cli-table3'

export interface Row {
  metric: string
  value: string
  baseline?: string
  ratio?: number
  target?: string
  /** undefined: no target for this row. */
  pass?: boolean
}

export interface SectionResult {
  section: string
  rows: Row[]
  notes: string[]
  /** Raw figures for --json. */
  figures: Record<string, number | string>
}

export function printSection(result: SectionResult): void {
  const table = new Table({
    head: ['metric', 'OpenTrail', 'baseline', 'ratio', 'target', 'verdict'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [34, 18, 18, 9, 26, 9],
  })
  for (const row of result.rows) {
    table.push([
      row.metric,
      row.value,
      row.baseline ?? '',
      row.ratio === undefined ? '' : formatRatio(row.ratio),
      row.target ?? '',
      row.pass === undefined ? '' : row.pass ? 'PASS' : 'FAIL',
    ])
  }
  console.log(`\n== ${result.section} ==`)
  console.log(table.toString())
  for (const note of result.notes) console.log(`  - ${note}`)
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(ratio < 10 ? 2 : 1)}x` : 'n/a'
}
