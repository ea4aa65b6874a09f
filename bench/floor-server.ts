/**
 * The ingest section's second baseline: the least a Node.js HTTP server can do and still
 * keep PutAuditEvents' contract for valid batches. It parses the request, verifies each given
 * eventDataChecksum, parses each eventData (an invalid one must be refused per event),
 * appends the batch to a file and answers after an fsync shared by the batches that
 * arrived meanwhile (group commit, as a durable journal must). It does not authenticate,
 * convert, compress, index or deliver anything: what OpenTrail does beyond it is what its
 * features cost, and its rate bounds what any server in this runtime reaches on the machine.
 */
import { createHash, randomUUID } from 'node:crypto'
import { closeSync, fsync, openSync, writeSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

interface Waiting {
  lines: string
  answer: () => void
}

export interface FloorServer {
  url: string
  close(): Promise<void>
}

export async function startFloorServer(path: string): Promise<FloorServer> {
  const fd = openSync(path, 'a')
  let queue: Waiting[] = []
  let syncing = false
  const commit = (): void => {
    if (syncing || queue.length === 0) return
    syncing = true
    const group = queue
    queue = []
    writeSync(fd, group.map((w) => w.lines).join(''))
    fsync(fd, (error) => {
      syncing = false
      if (error) throw error
      for (const w of group) w.answer()
      commit()
    })
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { auditEvents: { id: string; eventData: string; eventDataChecksum?: string }[] }
      const successful: { id: string; eventID: string }[] = []
      const failed: { id: string; errorCode: string; errorMessage: string }[] = []
      let lines = ''
      for (const event of body.auditEvents) {
        if (event.eventDataChecksum !== undefined && createHash('sha256').update(event.eventData).digest('base64') !== event.eventDataChecksum) {
          failed.push({ id: event.id, errorCode: 'InvalidChecksum', errorMessage: 'checksum mismatch' })
          continue
        }
        try {
          JSON.parse(event.eventData)
        } catch {
          failed.push({ id: event.id, errorCode: 'InvalidData', errorMessage: 'eventData is not valid JSON' })
          continue
        }
        lines += `${event.eventData}\n`
        successful.push({ id: event.id, eventID: randomUUID() })
      }
      queue.push({
        lines,
        answer: () => {
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify({ successful, failed }))
        },
      })
      commit()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      closeSync(fd)
    },
  }
}
