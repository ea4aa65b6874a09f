import { afterEach, describe, expect, it } from 'vitest'
import { WorkerThread } from './worker-thread.js'

// A real thread from source text: vitest runs TypeScript, and worker entries must be JavaScript.
const entry = new URL(
  `data:text/javascript,${encodeURIComponent(`
    import { parentPort } from 'node:worker_threads'
    parentPort.on('message', (m) => {
      if (m.op === 'echo') parentPort.postMessage({ id: m.id, value: m.value })
      else if (m.op === 'fail') parentPort.postMessage({ id: m.id, error: 'bad ' + m.value })
      else if (m.op === 'die') process.exit(3)
    })
  `)}`,
)

class ReplyError extends Error {}

let thread: WorkerThread<{ op: string; value?: number }, { value: number }> | undefined
afterEach(async () => {
  await thread?.terminate()
  thread = undefined
})

describe('WorkerThread', () => {
  it('answers each request with the reply carrying its id, and rejects error replies', async () => {
    let deaths = 0
    thread = new WorkerThread(entry, { name: 'test', replyError: (m) => new ReplyError(m), onDeath: () => deaths++ })
    const answers = await Promise.all([1, 2, 3].map((value) => thread!.request({ op: 'echo', value })))
    expect(answers.map((a) => a.value)).toEqual([1, 2, 3])
    await expect(thread.request({ op: 'fail', value: 7 })).rejects.toThrow(new ReplyError('bad 7'))
    expect(thread.pending).toBe(0)
    expect(deaths).toBe(0)
  })

  it('rejects what a dying thread held and reports its death once', async () => {
    let deaths = 0
    thread = new WorkerThread(entry, { name: 'test', replyError: (m) => new ReplyError(m), onDeath: () => deaths++ })
    const held = thread.request({ op: 'echo', value: 1 })
    await held
    const lost = thread.request({ op: 'die' })
    await expect(lost).rejects.toThrow('test thread exited with code 3')
    expect(deaths).toBe(1)
    expect(thread.pending).toBe(0)
  })
})
