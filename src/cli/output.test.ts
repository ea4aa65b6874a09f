import { describe, expect, it } from 'vitest'
import { render } from './output.js'

const rows = [{ EventName: 'ConsoleLogin', Username: 'alice', EventTime: new Date('2024-01-02T03:04:05Z') }]
const columns = ['EventName', 'Username', 'EventTime']

describe('render', () => {
  it('draws a table without colour escape codes when the output is not a terminal', () => {
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
