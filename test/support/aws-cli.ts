/** Runs the real AWS CLI against a test server, isolated from any AWS config on the machine. */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export function hasAwsCli(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}

export async function aws(
  args: string[],
  options: { endpoint?: string; credentials: { accessKeyId: string; secretAccessKey: string }; region?: string; env?: Record<string, string> },
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileAsync('aws', [...(options.endpoint ? ['--endpoint-url', options.endpoint] : []), ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
        AWS_DEFAULT_REGION: options.region ?? 'us-east-1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_PAGER: '',
        ...options.env,
      },
      maxBuffer: 64 * 1024 * 1024,
    })
    return { stdout, stderr, code: 0 }
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number }
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 }
  }
}
