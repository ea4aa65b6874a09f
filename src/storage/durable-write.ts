/**
 * Durable, atomic file writes for the folder store: temp file in the target's own folder,
 * fsync, rename over the target, fsync the folder. A reader sees either the old bytes or
 * the new ones, and once the promise resolves the new ones survive a power cut.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, unlink } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'

/** Names of in-flight temp files start with this; listings skip them and keys may not use it. */
export const TEMP_FILE_PREFIX = '.opentrail-tmp-'

export async function writeFileDurably(path: string, data: Buffer | string): Promise<void> {
  const dir = dirname(path)
  await makeDirectoryDurably(dir)
  // Randomness only names the temp file; the final name is the caller's.
  const temp = join(dir, `${TEMP_FILE_PREFIX}${basename(path)}.${randomBytes(6).toString('hex')}`)
  try {
    const handle = await open(temp, 'wx', 0o644)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  await syncDirectory(dir)
}

/** Unlinks a file (absent is fine) and makes the unlink durable. Returns whether it existed. */
export async function removeFileDurably(path: string): Promise<boolean> {
  try {
    await unlink(path)
  } catch (error) {
    // A folder, or a file where a folder was expected, means no such file either.
    if (isErrnoCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return false
    throw error
  }
  await syncDirectory(dirname(path))
  return true
}

/** `mkdir -p`, then fsyncs each folder that gained an entry so new folders survive a crash. */
export async function makeDirectoryDurably(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true })
  if (firstCreated === undefined) return
  // The parent of the first new folder gained an entry, and so did every new folder but the leaf.
  const chain = [dirname(firstCreated)]
  const below = relative(firstCreated, dir)
  let current = firstCreated
  chain.push(current)
  for (const part of below === '' ? [] : below.split(sep)) {
    current = join(current, part)
    chain.push(current)
  }
  chain.pop() // the leaf has no new entries yet; the caller syncs it after its rename
  for (const folder of chain) await syncDirectory(folder)
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export function isErrnoCode(error: unknown, ...codes: string[]): boolean {
  const code = errnoCode(error)
  return code !== undefined && codes.includes(code)
}

export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code
  }
  return undefined
}
