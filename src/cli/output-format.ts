/** The --output values; apart from output.ts so that parsing flags does not load the table renderer. */
export type OutputFormat = 'table' | 'json' | 'csv'

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'json' || value === 'csv') return value
  throw new Error(`--output must be table, json or csv, got ${value}`)
}
