/** `opentrail import PATH...`: loads existing CloudTrail log files into the data dir, with a progress bar. */
import { SingleBar, Presets } from 'cli-progress'
import { openServices } from '../app/index.js'
import { parseConfig } from '../config/index.js'
import { formatImportReport, importLogs } from '../import/index.js'
import { announceFirstAdminKey } from './offline.js'

export async function importCommand(paths: string[], flags: { dataDir?: string; retentionDays?: string }): Promise<number> {
  const config = parseConfig({ dataDir: flags.dataDir, retentionDays: flags.retentionDays })
  const services = openServices(config)
  announceFirstAdminKey(services, config.dataDir)
  const bar = new SingleBar(
    { format: 'importing |{bar}| {value}/{total} files | {events} events', hideCursor: true, stream: process.stderr, noTTYOutput: false },
    Presets.shades_classic,
  )
  let started = false
  try {
    const report = await importLogs({
      paths,
      journal: services.journal,
      retentionDays: config.retentionDays,
      ensureAccount: async (accountId) => services.ensureAccount(accountId),
      onProgress: (p) => {
        if (!started) {
          bar.start(p.filesTotal, 0, { events: 0 })
          started = true
        }
        bar.update(p.filesDone, { events: p.events })
      },
    })
    if (started) bar.stop()
    console.log(formatImportReport(report))
    return report.filesBad.length > 0 ? 1 : 0
  } finally {
    if (started) bar.stop()
    await services.close()
  }
}
