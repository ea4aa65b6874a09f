import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// cli-table3's colour library decides from TERM and CI, not from whether stdout is a
// terminal: set up what a user's shell has, where it colours (it reads these when loaded).
const saved = { TERM: process.env.TERM, CI: process.env.CI }
let render: typeof import('./output.js').render
beforeAll(async () => {
  process.env.TERM = 'xterm-256color'
  delete process.env.CI
  ;({ render } = await import('./output.js'))
})
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

const rows = [{ EventName: 'ConsoleLogin', Username: 'alice', EventTime: new Date('2024-01-02T03:04:05Z') }]
const columns = ['EventName', 'Username', 'EventTime']

describe('render', () => {
  it('colours a table only for a terminal', () => {
    expect(render(rows, columns, 'table', true)).toMatch(/\u001b\[/)
    const text = render(rows, columns, 'table', false)
    expect(text).toContain('ConsoleLogin')
    expect(text).toContain('2024-01-02T03:04:05.000Z')
    expect(text).not.toMatch(/\u001b\[/)
  })

  it('writes CSV with a header and defuses cells that a spreadsheet would run as formulas', () => {
    const text = render([{ EventName: '=cmd()', Username: 'a,b', EventTime: '' }], columns, 'csv')
    expect(text.split('\n')).toEqual(['EventName,Username,EventTime', `'=cmd(),"a,b",`])
  })
})
