/**
 * One worker thread that answers requests by id: what the ingest conversion pool and the
 * log hashing pool share. A request's promise settles with the reply carrying its id; a
 * reply `{ error }` rejects it; a thread that dies rejects everything it held and reports
 * its death, so the pool can put a fresh thread in its place. The thread keeps the process
 * alive only while it holds work: an idle pool left open never does.
 *
 * Hand-written rather than piscina: piscina pulls an optional prebuilt native package, and
 * installs here take nothing that downloads binaries.
 */
import { Worker, parentPort } from 'node:worker_threads'

/** What a worker posts back: its answer, or the message of what it threw. */
export type WorkerReply<Answer> = ({ id: number } & Answer) | { id: number; error: string }

export interface WorkerThreadOptions {
  /** What the thread does, for errors: "log hashing thread exited with code 1". */
  name: string
  /** The error a reply `{ error }` rejects with. */
  replyError: (message: string) => Error
  /** Called once when the thread has died, after its requests were rejected. */
  onDeath: () => void
  /** Given to the thread as `workerData`. */
  workerData?: unknown
}

export class WorkerThread<Request extends object, Answer extends object> {
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>()
  #ids = 0
  #online = false
  #dead = false

  constructor(entry: URL, options: WorkerThreadOptions) {
    this.#worker = new Worker(entry, { workerData: options.workerData })
    this.#worker.once('online', () => (this.#online = true))
    this.#worker.on('message', (reply: WorkerReply<Answer>) => {
      const waiting = this.#pending.get(reply.id)
      if (!waiting) return
      this.#pending.delete(reply.id)
      if (this.#pending.size === 0) this.#worker.unref()
      if ('error' in reply) waiting.reject(options.replyError(reply.error))
      else waiting.resolve(reply as Answer)
    })
    const die = (error: Error): void => {
      if (this.#dead) return
      this.#dead = true
      for (const waiting of this.#pending.values()) waiting.reject(error)
      this.#pending.clear()
      options.onDeath()
    }
    this.#worker.on('error', die)
    this.#worker.on('exit', (code) => die(new Error(`${options.name} thread exited with code ${code}`)))
    // After the listeners: adding a 'message' listener refs the thread again.
    this.#worker.unref()
  }

  /** Running its code: a request is taken up at once. */
  get online(): boolean {
    return this.#online
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size
  }

  /** Sends `request` with a fresh id (and `transfer` moved, not copied); resolves to the reply. */
  request(request: Request, transfer: ArrayBuffer[] = []): Promise<Answer> {
    const id = ++this.#ids
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref()
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ ...request, id }, transfer)
    })
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate()
  }
}

/**
 * The thread's side of WorkerThread, for a worker entry: answers each request with the
 * reply carrying its id, or with the message of what `answer` threw. `transfer` names what
 * of an answer is moved rather than copied.
 */
export function answerRequests<Request extends object, Answer extends object>(
  answer: (request: Request) => Answer,
  transfer: (answer: Answer) => ArrayBuffer[] = () => [],
): void {
  const port = parentPort
  if (!port) throw new Error('a worker entry runs as a worker thread')
  port.on('message', (message: Request & { id: number }) => {
    let reply: WorkerReply<Answer>
    let moved: ArrayBuffer[] = []
    try {
      const answered = answer(message)
      reply = { ...answered, id: message.id }
      moved = transfer(answered)
    } catch (error) {
      reply = { id: message.id, error: error instanceof Error ? error.message : String(error) }
    }
    port.postMessage(reply, moved)
  })
}
