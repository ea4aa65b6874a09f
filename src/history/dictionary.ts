/**
 * Interned strings and scopes: text ↔ small integer ids, cached in memory.
 *
 * The cache is only ever a copy of committed rows plus rows of the open transaction; a
 * caller whose transaction rolls back calls `forgetUncommitted()`, so a cached id never
 * points at a row that does not exist.
 */
import type Database from 'better-sqlite3'

/** Cached strings beyond which the cache starts over (access key ids keep coming). */
const MAX_CACHED_STRINGS = 200_000

export class StringDictionary {
  readonly #cache = new Map<string, number>()
  readonly #select: Database.Statement
  readonly #insert: Database.Statement

  constructor(db: Database.Database) {
    this.#select = db.prepare('SELECT id FROM history_strings WHERE text = ?')
    this.#insert = db.prepare('INSERT INTO history_strings (text) VALUES (?)')
  }

  /** The id of a text, if it was ever interned. */
  find(text: string): number | undefined {
    const cached = this.#cache.get(text)
    if (cached !== undefined) return cached
    const row = this.#select.get(text) as { id: number } | undefined
    if (row) this.#remember(text, row.id)
    return row?.id
  }

  /** The id of a text, creating it; call inside the write transaction. */
  intern(text: string): number {
    const found = this.find(text)
    if (found !== undefined) return found
    const id = Number(this.#insert.run(text).lastInsertRowid)
    this.#remember(text, id)
    return id
  }

  forgetUncommitted(): void {
    this.#cache.clear()
  }

  #remember(text: string, id: number): void {
    if (this.#cache.size >= MAX_CACHED_STRINGS) this.#cache.clear()
    this.#cache.set(text, id)
  }
}

export interface Scope {
  id: number
  account: string
  region: string
  category: number
}

/** (account, Region, category) → scope id. Few rows, all cached. */
export class ScopeTable {
  readonly #byKey = new Map<string, Scope>()
  readonly #db: Database.Database
  readonly #insert: Database.Statement

  constructor(db: Database.Database) {
    this.#db = db
    this.#insert = db.prepare('INSERT INTO history_scopes (account, region, category) VALUES (?, ?, ?)')
    this.#load()
  }

  /** Reads the table again on a miss: scopes made by another connection (the index's writer thread) appear. */
  find(account: string, region: string, category: number): number | undefined {
    const k = key(account, region, category)
    if (!this.#byKey.has(k)) this.#load()
    return this.#byKey.get(k)?.id
  }

  intern(account: string, region: string, category: number): number {
    const found = this.find(account, region, category)
    if (found !== undefined) return found
    const id = Number(this.#insert.run(account, region, category).lastInsertRowid)
    this.#byKey.set(key(account, region, category), { id, account, region, category })
    return id
  }

  all(): Scope[] {
    return [...this.#byKey.values()]
  }

  forgetUncommitted(): void {
    this.#load()
  }

  #load(): void {
    this.#byKey.clear()
    for (const s of this.#db.prepare('SELECT id, account, region, category FROM history_scopes').all() as Scope[]) {
      this.#byKey.set(key(s.account, s.region, s.category), s)
    }
  }
}

function key(account: string, region: string, category: number): string {
  return `${account}\u0000${region}\u0000${category}`
}
