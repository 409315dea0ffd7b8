import { spawn } from 'node:child_process';

export type ChildResult = { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * A child process run to its end without blocking this one. A test worker blocked in
 * `spawnSync` for over a minute stops answering vitest's runner, which then fails the whole
 * run ("Timeout calling onTaskUpdate") even though every test passed.
 */
export function runChild(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.timeout ? { timeout: options.timeout } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
